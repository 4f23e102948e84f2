using Nudge.Engine.Generation;
using Nudge.Mitigation.Filters;
using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// One nudge round's regenerated image before the filters have seen it: what <see cref="NudgingPipeline.Nudge"/>
/// returns. The orchestration stores it between its nudge and filter activities; <see cref="WithFilters"/> joins it
/// with the filter report into the round's <see cref="NudgeRoundReport"/>.
/// </summary>
/// <param name="Image">The regenerated image.</param>
/// <param name="Round">0-based round.</param>
/// <param name="RestartStep">Step index denoising restarted from.</param>
/// <param name="Spaces">The representations nudged.</param>
/// <param name="Beta">β used this round.</param>
/// <param name="Lambda">λ used this round.</param>
/// <param name="MatchedEntries">Entries pushed away from.</param>
/// <param name="Latent">The latent-space minimization, when done.</param>
/// <param name="Conditioning">The pooled conditioning-space minimization, when done.</param>
/// <param name="Sequence">The token-sequence minimization, when done.</param>
/// <param name="ReleasedPrompt">The prompt the sequence nudge pulled toward, when done.</param>
/// <param name="EscapeFraction">The escape fraction the sequence nudge aimed at, when done.</param>
/// <param name="ElapsedMs">Wall time of the nudge and the regeneration.</param>
public sealed record NudgedImage(GeneratedImage Image, int Round, int RestartStep, NudgeSpaces Spaces, float Beta, float Lambda, IReadOnlyList<string> MatchedEntries,
    NudgeSummary? Latent, NudgeSummary? Conditioning, NudgeSummary? Sequence, string? ReleasedPrompt, float? EscapeFraction, double ElapsedMs)
{
    /// <summary>The round's report, once the filters have judged <see cref="Image"/>.</summary>
    /// <param name="filters">The filter report on the regenerated image.</param>
    /// <param name="filterMs">Time the filters took.</param>
    /// <returns>The report (its time is the nudge's plus the filters').</returns>
    public NudgeRoundReport WithFilters(FilterReport filters, double filterMs) =>
        new(Round, RestartStep, Spaces, Beta, Lambda, MatchedEntries, Latent, Conditioning, filters, ElapsedMs + filterMs)
        {
            Sequence = Sequence,
            ReleasedPrompt = ReleasedPrompt,
            EscapeFraction = EscapeFraction,
        };
}
