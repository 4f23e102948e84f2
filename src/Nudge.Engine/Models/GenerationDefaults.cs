using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nudge.Engine.Models;

/// <summary>
/// The settings a model folder recommends when a request leaves them out, read from
/// <c>generation_defaults.json</c> beside <c>model_index.json</c> (diffusers' names: <c>guidance_scale</c>,
/// <c>num_inference_steps</c>, <c>scheduler</c>, <c>width</c>, <c>height</c>; every key optional). A request's own
/// value wins, then the model's, then Stable Diffusion's (<see cref="StableDiffusion"/>).
/// </summary>
public sealed record GenerationDefaults
{
    /// <summary>The file's name inside a model folder.</summary>
    public const string FileName = "generation_defaults.json";

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>
    /// What applies when neither the request nor the model says: Stable Diffusion's guidance 7.5 and 20 steps
    /// (diffusers' pipeline default is 50; 20 with PNDM is the usual fast setting and this project's long-standing one).
    /// </summary>
    public static GenerationDefaults StableDiffusion { get; } = new() { GuidanceScale = 7.5f, NumInferenceSteps = 20 };

    /// <summary>Recommended classifier-free guidance scale.</summary>
    public float? GuidanceScale { get; init; }

    /// <summary>Recommended number of inference steps.</summary>
    public int? NumInferenceSteps { get; init; }

    /// <summary>Recommended scheduler (a name such as "ddim" or a diffusers class).</summary>
    public string? Scheduler { get; init; }

    /// <summary>Recommended width in pixels.</summary>
    public int? Width { get; init; }

    /// <summary>Recommended height in pixels.</summary>
    public int? Height { get; init; }

    /// <summary>Reads a model folder's declared defaults.</summary>
    /// <param name="folder">The model folder.</param>
    /// <returns>The declared defaults, or null when the folder declares none.</returns>
    /// <exception cref="ModelLoadException">The file exists but is malformed or declares a value out of range.</exception>
    public static GenerationDefaults? Read(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        GenerationDefaults? d;
        try
        {
            d = JsonSerializer.Deserialize<GenerationDefaults>(File.ReadAllBytes(path), s_options);
        }
        catch (JsonException ex)
        {
            throw new ModelLoadException(path, ex.Message.Split(" Path:", 2)[0], ex);
        }

        if (d is null)
        {
            throw new ModelLoadException(path, "expected a JSON object, got null");
        }

        var problems = d.Problems();
        if (problems.Count > 0)
        {
            throw new ModelLoadException(path, string.Join("; ", problems));
        }

        return d;
    }

    /// <summary>Every declared value that a request could not use, as messages.</summary>
    /// <returns>The problems; empty when usable.</returns>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (GuidanceScale is float g && !Generation.GenerationRequest.IsValidGuidanceScale(g))
        {
            problems.Add($"guidance_scale must be between 0 and {Generation.GenerationRequest.MaxGuidanceScale}, got {g}");
        }

        if (NumInferenceSteps is int s && (s <= 0 || s > Generation.GenerationLimits.MaxSteps))
        {
            problems.Add($"num_inference_steps must be between 1 and {Generation.GenerationLimits.MaxSteps}, got {s}");
        }

        if (Scheduler is { } name && !Schedulers.SchedulerFactory.IsKnown(name))
        {
            problems.Add($"scheduler '{name}' is not one this engine runs");
        }

        foreach (var (field, v) in new[] { ("width", Width), ("height", Height) })
        {
            if (v is int px && (px <= 0 || px % 8 != 0 || px > Generation.GenerationLimits.MaxSide))
            {
                problems.Add($"{field} must be a positive multiple of 8 up to {Generation.GenerationLimits.MaxSide}, got {px}");
            }
        }

        return problems;
    }
}
