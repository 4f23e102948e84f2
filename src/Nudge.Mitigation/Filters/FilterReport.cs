namespace Nudge.Mitigation.Filters;

/// <summary>The filter chain's verdict on one input, filter by filter in the order they ran.</summary>
/// <param name="Results">Each filter's result (skipped ones included).</param>
public sealed record FilterReport(IReadOnlyList<FilterResult> Results)
{
    /// <summary>Whether a filter whose action is <see cref="FilterAction.Nudge"/> fired.</summary>
    public bool NeedsNudge => Results.Any(r => r.Triggered && r.Action == FilterAction.Nudge);

    /// <summary>Whether any filter fired.</summary>
    public bool AnyTriggered => Results.Any(r => r.Triggered);

    /// <summary>Entries that a nudge-action filter matched above their thresholds.</summary>
    public IReadOnlyList<FilterMatch> UndesiredMatches =>
        [.. Results.Where(r => r.Triggered && r.Action == FilterAction.Nudge).SelectMany(r => r.Evidence).Where(m => m.Exceeds)];

    /// <summary>The score of a filter by name (NaN when absent or skipped).</summary>
    /// <param name="name">The filter's name.</param>
    /// <returns>Its score.</returns>
    public float Score(string name) => Results.FirstOrDefault(r => r.Name == name)?.Score ?? float.NaN;
}
