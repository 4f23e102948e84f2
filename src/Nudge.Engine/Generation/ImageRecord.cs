using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Nudge.Engine.Models;
using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Generation;

/// <summary>
/// Everything needed to reproduce one image: model name and file hashes, every setting, the seed,
/// the scheduler and its configuration, the random-number algorithm, and where the time went.
/// Written beside each PNG as <c>&lt;id&gt;.json</c>.
/// </summary>
public sealed record ImageRecord
{
    /// <summary>JSON options used for records (snake_case, indented).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Deterministic id: the same settings and seed give the same id.</summary>
    public required string Id { get; init; }

    /// <summary>The PNG's file name.</summary>
    public required string File { get; init; }

    /// <summary>SHA-256 of the PNG bytes.</summary>
    public required string PngSha256 { get; init; }

    /// <summary>The prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>The negative prompt.</summary>
    public required string NegativePrompt { get; init; }

    /// <summary>The image's seed.</summary>
    public required long Seed { get; init; }

    /// <summary>Position in the request.</summary>
    public required int Index { get; init; }

    /// <summary>Images in the request (batching can change low-order bits, so it is part of the recipe).</summary>
    public required int Count { get; init; }

    /// <summary>Inference steps.</summary>
    public required int Steps { get; init; }

    /// <summary>Guidance scale.</summary>
    public required float GuidanceScale { get; init; }

    /// <summary>
    /// Where guidance, steps, scheduler and size came from: the request, the model folder's declared defaults, or
    /// Stable Diffusion's.
    /// </summary>
    public SettingSources? SettingsFrom { get; init; }

    /// <summary>Width in pixels.</summary>
    public required int Width { get; init; }

    /// <summary>Height in pixels.</summary>
    public required int Height { get; init; }

    /// <summary>Scheduler class that ran.</summary>
    public required string Scheduler { get; init; }

    /// <summary>Scheduler configuration it ran with.</summary>
    public required SchedulerConfig SchedulerConfig { get; init; }

    /// <summary>Model name, folder and file hashes.</summary>
    public required ModelIdentity Model { get; init; }

    /// <summary>Execution provider ("CPU" or "CUDA").</summary>
    public required string ExecutionProvider { get; init; }

    /// <summary>The latent noise algorithm (see <see cref="LatentNoise"/>).</summary>
    public string Rng { get; init; } = LatentNoise.Algorithm;

    /// <summary>Engine version.</summary>
    public string EngineVersion { get; init; } = typeof(ImageRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Timings of the whole request, in milliseconds.</summary>
    public required IReadOnlyDictionary<string, double> TimingsMs { get; init; }

    /// <summary>When it was generated (UTC).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Further sections (filter and nudge reports) added by later stages.</summary>
    public IReadOnlyDictionary<string, JsonElement>? Extensions { get; init; }

    /// <summary>The deterministic id of an image: a digest of model, settings and seed.</summary>
    /// <param name="request">The request (defaults resolved).</param>
    /// <param name="seed">The image's seed.</param>
    /// <param name="modelName">The model's name.</param>
    /// <returns>An id such as <c>s42-1a2b3c4d5e</c>.</returns>
    public static string MakeId(GenerationRequest request, long seed, string modelName)
    {
        var key = JsonSerializer.Serialize(new { request.Prompt, request.NegativePrompt, request.GuidanceScale, request.Steps, request.Scheduler, request.Width, request.Height, request.Count, seed, modelName });
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..10];
        return $"s{seed}-{hash}";
    }

    /// <summary>Builds the record of one image of a result.</summary>
    /// <param name="result">The generation result.</param>
    /// <param name="image">One of its images.</param>
    /// <param name="model">The model that made it.</param>
    /// <returns>The record.</returns>
    public static ImageRecord Create(GenerationResult result, GeneratedImage image, StableDiffusionModel model)
    {
        var id = MakeId(result.Request, image.Seed, model.Name);
        var t = result.Timings;
        return new ImageRecord
        {
            Id = id,
            File = id + ".png",
            PngSha256 = Convert.ToHexStringLower(SHA256.HashData(image.Png.Span)),
            Prompt = result.Request.Prompt,
            NegativePrompt = result.Request.NegativePrompt,
            Seed = image.Seed,
            Index = image.Index,
            Count = result.Request.Count,
            Steps = result.Request.ResolvedSteps,
            GuidanceScale = result.Request.ResolvedGuidanceScale,
            SettingsFrom = result.Request.Sources,
            Width = result.Width,
            Height = result.Height,
            Scheduler = result.SchedulerName,
            SchedulerConfig = model.SchedulerConfig,
            Model = model.Identity(),
            ExecutionProvider = model.ExecutionProvider,
            TimingsMs = new Dictionary<string, double>
            {
                ["total"] = t.Total.TotalMilliseconds,
                ["text_encoder_run"] = t.TextEncoder.TotalMilliseconds,
                ["unet_run"] = t.UNet.TotalMilliseconds,
                ["vae_decoder_run"] = t.VaeDecoder.TotalMilliseconds,
            },
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }
}
