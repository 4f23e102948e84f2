using Nudge.Engine.Generation;
using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Pipeline;

/// <summary>One image after the filters and any nudge rounds, with the full report.</summary>
/// <param name="Outcome">Clean, nudged, unresolved or blocked.</param>
/// <param name="Image">The image returned (null when blocked).</param>
/// <param name="Unmodified">The first-pass image (the same object as <paramref name="Image"/> when clean).</param>
/// <param name="Initial">Filter report on the first-pass image.</param>
/// <param name="Rounds">Every nudge round.</param>
/// <param name="ElapsedMs">This image's share of the first pass plus its rounds.</param>
public sealed record GuardedImage(ImageOutcome Outcome, GeneratedImage? Image, GeneratedImage Unmodified, FilterReport Initial, IReadOnlyList<NudgeRoundReport> Rounds, double ElapsedMs);
