using System.Text.Json;
using System.Text.Json.Serialization;
using Nudge.Engine.Generation;
using Nudge.Engine.Schedulers;

namespace Nudge.Orchestration;

/// <summary>
/// Reads a generation request from JSON (an HTTP body or a batch-file line) and reports every problem by field
/// name: <c>prompt</c>, <c>prompts</c>, <c>negative_prompt</c>, <c>guidance</c>, <c>steps</c>, <c>scheduler</c>,
/// <c>seed</c>, <c>width</c>, <c>height</c>, <c>count</c>. Unknown fields and wrongly typed values are errors too.
/// </summary>
public static class GenerationRequestParser
{
    /// <summary>Most images one job may ask for (prompts × count; <see cref="GenerationLimits.MaxImagesPerJob"/>).</summary>
    public const int MaxImagesPerJob = GenerationLimits.MaxImagesPerJob;

    private static readonly JsonSerializerOptions s_options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Parses and validates.</summary>
    /// <param name="json">The JSON text of one object.</param>
    /// <param name="job">The job when valid, else null.</param>
    /// <returns>Field → message; empty when valid.</returns>
    public static IReadOnlyDictionary<string, string> TryParse(string json, out GenerationJob? job)
    {
        job = null;
        var errors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Body? body;
        try
        {
            body = JsonSerializer.Deserialize<Body>(json, s_options);
        }
        catch (JsonException ex)
        {
            errors[FieldOf(ex)] = ex.Message.Split(" Path:", 2)[0];
            return errors;
        }

        if (body is null)
        {
            errors["body"] = "expected a JSON object, got null";
            return errors;
        }

        var prompts = body.Prompts?.ToList();
        var request = new GenerationRequest
        {
            Prompt = body.Prompt ?? prompts?.FirstOrDefault() ?? "",
            NegativePrompt = body.NegativePrompt ?? "",
            // Left out: the model's declared default, else Stable Diffusion's, filled where the model is loaded.
            GuidanceScale = body.Guidance,
            Steps = body.Steps,
            Scheduler = body.Scheduler,
            Seed = body.Seed ?? 0,
            Width = body.Width,
            Height = body.Height,
            Count = body.Count ?? 1,
        };
        foreach (var (field, message) in request.Validate())
        {
            errors[field] = message;
        }

        if (prompts is not null)
        {
            errors.Remove("prompt");
            if (body.Prompt is not null)
            {
                errors["prompts"] = "give either prompt or prompts, not both";
            }
            else if (prompts.Count == 0 || prompts.Any(string.IsNullOrWhiteSpace))
            {
                errors["prompts"] = "prompts must be a non-empty list of non-empty prompts";
            }
            else if (prompts.Select((p, i) => GenerationLimits.PromptBytesProblem($"prompts[{i}]", p)).FirstOrDefault(m => m is not null) is { } tooLong)
            {
                errors["prompts"] = tooLong;
            }
            else if (prompts.Count * (long)request.Count > MaxImagesPerJob)
            {
                errors["prompts"] = $"prompts × count is {prompts.Count * (long)request.Count}; at most {MaxImagesPerJob} images per job";
            }
        }

        if (errors.Count == 0)
        {
            job = new GenerationJob(request, prompts);
        }

        return errors;
    }

    private static string FieldOf(JsonException ex)
    {
        if (ex.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal))
        {
            var field = path[2..];
            int cut = field.IndexOfAny(['.', '[']);
            return cut > 0 ? field[..cut] : field;
        }

        // Unknown members are reported on the object; the message names them.
        var m = System.Text.RegularExpressions.Regex.Match(ex.Message, "property '([^']+)'");
        return m.Success ? m.Groups[1].Value : "body";
    }

    private sealed class Body
    {
        public string? Prompt { get; set; }

        public string[]? Prompts { get; set; }

        public string? NegativePrompt { get; set; }

        public float? Guidance { get; set; }

        public int? Steps { get; set; }

        public string? Scheduler { get; set; }

        public long? Seed { get; set; }

        public int? Width { get; set; }

        public int? Height { get; set; }

        public int? Count { get; set; }
    }
}
