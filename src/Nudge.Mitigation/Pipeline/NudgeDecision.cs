using Nudge.Engine.Generation;
using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Pipeline;

/// <summary>
/// What follows a filter report: the image is done (with its outcome), or another nudge round runs against the
/// entries matched so far. One rule for the in-process loop (<see cref="NudgingPipeline.Generate"/>) and for the
/// orchestration, which runs each step as its own activity.
/// </summary>
/// <param name="Outcome">The image's outcome when it is done; null when <see cref="NextRound"/> runs.</param>
/// <param name="NextRound">The 0-based round to run next, or null when done.</param>
/// <param name="Matched">The push targets: entries matched by the first pass and every round so far, first seen first.</param>
public sealed record NudgeDecision(ImageOutcome? Outcome, int? NextRound, IReadOnlyList<string> Matched)
{
    /// <summary>Decides after the filters judged the first pass (<paramref name="roundsDone"/> 0) or round <paramref name="roundsDone"/> − 1.</summary>
    /// <param name="policy">The policy (rounds, whether nudging is on, whether unresolved images are blocked).</param>
    /// <param name="latest">The latest filter report.</param>
    /// <param name="roundsDone">Nudge rounds run so far.</param>
    /// <param name="matchedSoFar">The push targets before this report.</param>
    /// <returns>The decision.</returns>
    public static NudgeDecision After(NudgePolicy policy, FilterReport latest, int roundsDone, IReadOnlyList<string> matchedSoFar)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(latest);
        if (!latest.NeedsNudge)
        {
            return new(roundsDone == 0 ? ImageOutcome.Clean : ImageOutcome.Nudged, null, matchedSoFar);
        }

        if (roundsDone == 0 && !policy.NudgeEnabled)
        {
            return new(ImageOutcome.Blocked, null, matchedSoFar);
        }

        var matched = new List<string>(matchedSoFar);
        foreach (var id in latest.UndesiredMatches.Select(m => m.EntryId))
        {
            if (!matched.Contains(id))
            {
                matched.Add(id);
            }
        }

        if (roundsDone < policy.Nudge.MaxRounds)
        {
            return new(null, roundsDone, matched);
        }

        return new(policy.BlockUnresolved ? ImageOutcome.Blocked : ImageOutcome.Unresolved, null, matched);
    }

    /// <summary>The guarded image a finished decision describes.</summary>
    /// <param name="unmodified">The first-pass image.</param>
    /// <param name="initial">The filter report on it.</param>
    /// <param name="rounds">Every round's report.</param>
    /// <param name="last">The last round's image (null when no round ran).</param>
    /// <param name="elapsedMs">The image's time.</param>
    /// <returns>The image with its outcome; the returned picture is null when blocked.</returns>
    public GuardedImage Finish(GeneratedImage unmodified, FilterReport initial, IReadOnlyList<NudgeRoundReport> rounds, GeneratedImage? last, double elapsedMs)
    {
        var outcome = Outcome ?? throw new InvalidOperationException($"Round {NextRound} still has to run.");
        var image = outcome switch
        {
            ImageOutcome.Clean => unmodified,
            ImageOutcome.Blocked => null,
            _ => last ?? throw new InvalidOperationException($"An image {outcome.ToString().ToLowerInvariant()} after no nudge round."),
        };
        return new GuardedImage(outcome, image, unmodified, initial, rounds, elapsedMs);
    }
}
