using System.Text.Json;
using System.Text.Json.Serialization;
using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// Which filters run (in order, cheapest first), their thresholds, and how triggered images are nudged.
/// Read from a JSON policy file (snake_case field names); every field is optional.
/// </summary>
public sealed record NudgePolicy
{
    /// <summary>
    /// Filter names in running order: "prompt", "degenerate", "memorized" (the copy detector against the memorized
    /// set; left out when the model has no copy detector), "undesired", "relevance".
    /// </summary>
    public IReadOnlyList<string> Filters { get; init; } = ["prompt", "degenerate", "memorized", "undesired", "relevance"];

    /// <summary>Copy-descriptor cosine at which the memorization filter fires; null: the copy detector's calibrated threshold.</summary>
    public float? MemorizedThreshold { get; init; }

    /// <summary>Name of the index of the memorized set's copy descriptors.</summary>
    public string MemorizedIndex { get; init; } = "memorized";

    /// <summary>Default cosine threshold of the undesired-similarity filter (entries may carry their own).</summary>
    public float UndesiredThreshold { get; init; } = 0.9f;

    /// <summary>Cosine threshold of the prompt pre-check against undesired text entries.</summary>
    public float PromptThreshold { get; init; } = 0.95f;

    /// <summary>Smallest acceptable image–prompt cosine.</summary>
    public float RelevanceFloor { get; init; } = 0.1f;

    /// <summary>Whether triggered images are nudged (false: filter only, i.e. refusal).</summary>
    public bool NudgeEnabled { get; init; } = true;

    /// <summary>Whether an image still triggered after all rounds is withheld (blocked) instead of returned flagged.</summary>
    public bool BlockUnresolved { get; init; }

    /// <summary>Name of the index of undesired entries.</summary>
    public string UndesiredIndex { get; init; } = "undesired";

    /// <summary>Name of the index of desired entries (optional; missing means none).</summary>
    public string DesiredIndex { get; init; } = "desired";

    /// <summary>Nudge settings.</summary>
    public NudgeOptions Nudge { get; init; } = new();

    /// <summary>JSON options for policy files.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Reads and validates a policy file.</summary>
    /// <param name="path">The JSON file.</param>
    /// <returns>The policy.</returns>
    /// <exception cref="InvalidDataException">Unreadable JSON, an unknown field or an invalid value (named).</exception>
    public static NudgePolicy FromFile(string path)
    {
        NudgePolicy policy;
        try
        {
            policy = JsonSerializer.Deserialize<NudgePolicy>(File.ReadAllText(path), JsonOptions) ?? new NudgePolicy();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: {ex.Message}", ex);
        }

        var errors = policy.Validate();
        if (errors.Count > 0)
        {
            throw new InvalidDataException($"{path}: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        return policy;
    }

    /// <summary>Checks the policy; returns every problem by field name.</summary>
    /// <returns>Field → message.</returns>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var e = new Dictionary<string, string>(Nudge.Validate());
        var known = new HashSet<string> { "prompt", "degenerate", "memorized", "undesired", "relevance" };
        foreach (var f in Filters.Where(f => !known.Contains(f)))
        {
            e["filters"] = $"unknown filter '{f}' (known: {string.Join(", ", known)})";
        }

        if (Filters.Distinct().Count() != Filters.Count)
        {
            e["filters"] = "a filter is listed twice";
        }

        foreach (var (name, v) in new[] { ("undesired_threshold", UndesiredThreshold), ("prompt_threshold", PromptThreshold), ("relevance_floor", RelevanceFloor), ("memorized_threshold", MemorizedThreshold ?? 0f) })
        {
            if (!(v >= -1 && v <= 1))
            {
                e[name] = $"{name} must be a cosine between -1 and 1";
            }
        }

        return e;
    }
}
