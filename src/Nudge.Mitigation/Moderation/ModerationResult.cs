using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Moderation;

/// <summary>The moderation of one input.</summary>
/// <param name="Source">What was judged (a path or blob name).</param>
/// <param name="Verdict">Allow, flag, block or invalid.</param>
/// <param name="Reason">Why, in words.</param>
/// <param name="Score">Largest cosine with an undesired image entry (NaN when invalid).</param>
/// <param name="Matches">The closest undesired entries.</param>
/// <param name="Width">Image width (0 when invalid).</param>
/// <param name="Height">Image height (0 when invalid).</param>
public sealed record ModerationResult(string Source, ModerationVerdict Verdict, string Reason, float Score, IReadOnlyList<FilterMatch> Matches, int Width, int Height);
