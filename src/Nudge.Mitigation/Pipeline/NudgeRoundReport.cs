using Nudge.Mitigation.Filters;
using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Pipeline;

/// <summary>One nudge round of one image.</summary>
/// <param name="Round">0-based round.</param>
/// <param name="RestartStep">Step index denoising restarted from.</param>
/// <param name="Spaces">The representations nudged.</param>
/// <param name="Beta">β used this round.</param>
/// <param name="Lambda">λ used this round.</param>
/// <param name="MatchedEntries">Entries pushed away from (matched by the filter that fired).</param>
/// <param name="Latent">The latent-space minimization, when done.</param>
/// <param name="Conditioning">The pooled conditioning-space minimization, when done.</param>
/// <param name="Filters">The filter report on the regenerated image.</param>
/// <param name="ElapsedMs">Wall time of the round.</param>
public sealed record NudgeRoundReport(int Round, int RestartStep, NudgeSpaces Spaces, float Beta, float Lambda, IReadOnlyList<string> MatchedEntries,
    NudgeSummary? Latent, NudgeSummary? Conditioning, FilterReport Filters, double ElapsedMs)
{
    /// <summary>The token-sequence minimization, when done.</summary>
    public NudgeSummary? Sequence { get; init; }

    /// <summary>The prompt the sequence nudge pulled toward (the prompt with the matched entries' trigger words released).</summary>
    public string? ReleasedPrompt { get; init; }

    /// <summary>The escape fraction the sequence nudge aimed at this round.</summary>
    public float? EscapeFraction { get; init; }
}

/// <summary>A minimization's numbers, without the representation itself.</summary>
/// <param name="Iterations">Gradient steps.</param>
/// <param name="InitialPush">max ⟨U, g(L0)⟩.</param>
/// <param name="FinalPush">max ⟨U, g(L)⟩.</param>
/// <param name="Distance">‖L − L0‖₂.</param>
public sealed record NudgeSummary(int Iterations, float InitialPush, float FinalPush, float Distance)
{
    internal static NudgeSummary From(NudgeOutcome o) => new(o.Iterations, o.InitialPush, o.FinalPush, o.Distance);
}
