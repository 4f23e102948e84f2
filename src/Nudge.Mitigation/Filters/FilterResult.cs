namespace Nudge.Mitigation.Filters;

/// <summary>One filter's verdict.</summary>
/// <param name="Name">The filter's name.</param>
/// <param name="Score">Its score (meaning per filter: a similarity, a cosine, a degeneracy measure).</param>
/// <param name="Threshold">The threshold the score was compared with.</param>
/// <param name="Triggered">Whether it fired.</param>
/// <param name="Blocking">Whether the filters after it were skipped because it fired.</param>
/// <param name="Action">What it asks for when fired.</param>
/// <param name="Evidence">Matched entries and similarities (may be empty).</param>
/// <param name="Skipped">True when an earlier blocking filter fired, so this one did not run.</param>
/// <param name="ElapsedMs">Time it took.</param>
public sealed record FilterResult(string Name, float Score, float Threshold, bool Triggered, bool Blocking, FilterAction Action, IReadOnlyList<FilterMatch> Evidence, bool Skipped, double ElapsedMs)
{
    /// <summary>A skipped filter.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="action">Its action.</param>
    /// <returns>The result.</returns>
    public static FilterResult SkippedResult(string name, FilterAction action) => new(name, float.NaN, float.NaN, false, false, action, [], true, 0);
}
