using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// The per-image report written beside each image: its outcome, every filter score and match of the
/// prompt stage, the first pass and each round, with the nudge space, parameters, restart step and timings.
/// </summary>
/// <param name="Outcome">Clean, nudged, unresolved or blocked.</param>
/// <param name="Prompt">Prompt-stage filters.</param>
/// <param name="Initial">Filters on the first-pass image.</param>
/// <param name="Rounds">Each nudge round.</param>
/// <param name="ElapsedMs">Time for this image (its share of the first pass plus its rounds).</param>
/// <param name="Policy">The policy applied.</param>
public sealed record NudgeReport(ImageOutcome Outcome, FilterReport Prompt, FilterReport Initial, IReadOnlyList<NudgeRoundReport> Rounds, double ElapsedMs, NudgePolicy Policy)
{
    /// <summary>The report of one image of a result.</summary>
    /// <param name="result">The result.</param>
    /// <param name="image">One of its images.</param>
    /// <returns>The report.</returns>
    public static NudgeReport Create(GuardedResult result, GuardedImage image) =>
        new(image.Outcome, result.Prompt, image.Initial, image.Rounds, image.ElapsedMs, result.Policy);
}
