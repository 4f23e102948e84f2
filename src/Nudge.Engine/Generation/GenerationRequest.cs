using System.Text.Json.Serialization;
using Nudge.Engine.Models;
using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Generation;

/// <summary>What to generate. Together with the model identity it reproduces the images exactly.</summary>
public sealed record GenerationRequest
{
    /// <summary>Largest accepted number of inference steps (<see cref="GenerationLimits.MaxSteps"/>).</summary>
    public const int MaxSteps = GenerationLimits.MaxSteps;

    /// <summary>Largest accepted guidance scale.</summary>
    public const float MaxGuidanceScale = 50;

    /// <summary>Whether <paramref name="scale"/> is an accepted guidance scale (finite, 0 to <see cref="MaxGuidanceScale"/>).</summary>
    /// <param name="scale">The guidance scale.</param>
    /// <returns>True when accepted.</returns>
    public static bool IsValidGuidanceScale(float scale) => float.IsFinite(scale) && scale >= 0 && scale <= MaxGuidanceScale;

    /// <summary>The prompt.</summary>
    public required string Prompt { get; init; }

    /// <summary>The negative prompt (empty: unconditional).</summary>
    public string NegativePrompt { get; init; } = "";

    /// <summary>
    /// Classifier-free guidance scale; 1 or less disables guidance. Null: the model's declared default, else
    /// Stable Diffusion's (see <see cref="WithDefaults"/>).
    /// </summary>
    public float? GuidanceScale { get; init; }

    /// <summary>Inference steps, 1 to <see cref="MaxSteps"/>. Null: the model's declared default, else 20.</summary>
    public int? Steps { get; init; }

    /// <summary>Scheduler name ("pndm", "ddim", "euler", "euler-a", "lms", "dpm++2m" or a diffusers class); null: the model's.</summary>
    public string? Scheduler { get; init; }

    /// <summary>Where each setting came from, once <see cref="WithDefaults"/> has filled the missing ones; null before.</summary>
    public SettingSources? Sources { get; init; }

    /// <summary>The guidance scale of a request whose defaults are filled.</summary>
    /// <exception cref="InvalidOperationException">The defaults were not filled.</exception>
    [JsonIgnore]
    public float ResolvedGuidanceScale => GuidanceScale ?? throw Unresolved();

    /// <summary>The steps of a request whose defaults are filled.</summary>
    /// <exception cref="InvalidOperationException">The defaults were not filled.</exception>
    [JsonIgnore]
    public int ResolvedSteps => Steps ?? throw Unresolved();

    /// <summary>
    /// Fills what the request leaves out: the request's own value wins, then <paramref name="model"/>'s declared
    /// default, then Stable Diffusion's (<see cref="GenerationDefaults.StableDiffusion"/>). Scheduler and size stay
    /// null (the model's scheduler config and UNet size) unless the model declares them. Idempotent.
    /// </summary>
    /// <param name="model">The model's declared defaults, or null when it declares none.</param>
    /// <returns>The request with every setting known and <see cref="Sources"/> saying where each came from.</returns>
    public GenerationRequest WithDefaults(GenerationDefaults? model)
    {
        if (Sources is not null)
        {
            return this;
        }

        var fallback = GenerationDefaults.StableDiffusion;
        static string From<T>(T? own, T? declared) where T : struct => own is not null ? SettingSources.Request : declared is not null ? SettingSources.Model : SettingSources.StableDiffusion;
        return this with
        {
            GuidanceScale = GuidanceScale ?? model?.GuidanceScale ?? fallback.GuidanceScale,
            Steps = Steps ?? model?.NumInferenceSteps ?? fallback.NumInferenceSteps,
            Scheduler = Scheduler ?? model?.Scheduler,
            Width = Width ?? model?.Width,
            Height = Height ?? model?.Height,
            Sources = new SettingSources(
                From(GuidanceScale, model?.GuidanceScale),
                From(Steps, model?.NumInferenceSteps),
                Scheduler is not null ? SettingSources.Request : SettingSources.Model,
                Width is not null || Height is not null ? SettingSources.Request : SettingSources.Model),
        };
    }

    /// <summary>Seed of the first image; image i uses <c>Seed + i</c>.</summary>
    public long Seed { get; init; }

    /// <summary>Width in pixels (multiple of 8); null: the model's default.</summary>
    public int? Width { get; init; }

    /// <summary>Height in pixels (multiple of 8); null: the model's default.</summary>
    public int? Height { get; init; }

    /// <summary>Number of images.</summary>
    public int Count { get; init; } = 1;

    /// <summary>Checks the request and returns every problem found, by field name.</summary>
    /// <returns>Field → message; empty when valid.</returns>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(Prompt))
        {
            errors["prompt"] = "the prompt is empty";
        }
        else if (GenerationLimits.PromptBytesProblem("prompt", Prompt) is { } promptBytes)
        {
            errors["prompt"] = promptBytes;
        }

        if (GenerationLimits.PromptBytesProblem("negative_prompt", NegativePrompt) is { } negativeBytes)
        {
            errors["negative_prompt"] = negativeBytes;
        }

        if (Steps is int steps && (steps <= 0 || steps > MaxSteps))
        {
            errors["steps"] = $"steps must be between 1 and {MaxSteps}, got {Steps}";
        }

        if (Count <= 0 || Count > GenerationLimits.MaxImagesPerJob)
        {
            errors["count"] = $"count must be between 1 and {GenerationLimits.MaxImagesPerJob}, got {Count}";
        }

        if (GuidanceScale is float guidance && !IsValidGuidanceScale(guidance))
        {
            errors["guidance"] = $"guidance must be a number between 0 and {MaxGuidanceScale}, got {GuidanceScale}";
        }

        if (Scheduler is { } scheduler && !SchedulerFactory.IsKnown(scheduler))
        {
            errors["scheduler"] = $"unknown scheduler '{scheduler}' (use one of {string.Join(", ", SchedulerFactory.ShortNames)})";
        }

        CheckSize("width", Width, errors);
        CheckSize("height", Height, errors);
        return errors;
    }

    private static InvalidOperationException Unresolved() =>
        new("The request's defaults are not filled; call WithDefaults with the model's declared defaults first.");

    private static void CheckSize(string name, int? value, Dictionary<string, string> errors)
    {
        if (value is int v && (v <= 0 || v % 8 != 0 || v > GenerationLimits.MaxSide))
        {
            errors[name] = $"{name} must be a positive multiple of 8 up to {GenerationLimits.MaxSide}, got {v}";
        }
    }
}
