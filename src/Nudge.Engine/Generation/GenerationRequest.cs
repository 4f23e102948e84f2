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

    /// <summary>Classifier-free guidance scale; 1 or less disables guidance.</summary>
    public float GuidanceScale { get; init; } = 7.5f;

    /// <summary>Inference steps, 1 to <see cref="MaxSteps"/>.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Scheduler name ("pndm", "ddim", "euler", "euler-a", "lms", "dpm++2m" or a diffusers class); null: the model's.</summary>
    public string? Scheduler { get; init; }

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

        if (Steps <= 0 || Steps > MaxSteps)
        {
            errors["steps"] = $"steps must be between 1 and {MaxSteps}, got {Steps}";
        }

        if (Count <= 0 || Count > GenerationLimits.MaxImagesPerJob)
        {
            errors["count"] = $"count must be between 1 and {GenerationLimits.MaxImagesPerJob}, got {Count}";
        }

        if (!IsValidGuidanceScale(GuidanceScale))
        {
            errors["guidance"] = $"guidance must be a number between 0 and {MaxGuidanceScale}, got {GuidanceScale}";
        }

        CheckSize("width", Width, errors);
        CheckSize("height", Height, errors);
        return errors;
    }

    private static void CheckSize(string name, int? value, Dictionary<string, string> errors)
    {
        if (value is int v && (v <= 0 || v % 8 != 0 || v > GenerationLimits.MaxSide))
        {
            errors[name] = $"{name} must be a positive multiple of 8 up to {GenerationLimits.MaxSide}, got {v}";
        }
    }
}
