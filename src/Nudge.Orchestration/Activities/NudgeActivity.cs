using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Step 3, only when a filter fired: one nudge round from the stored first pass — nudge, restart denoising from the
/// round's step, decode — stored as <see cref="WorkNames.Round"/> (write-if-absent). Idempotent: a stored round is
/// returned and nothing is computed. A cancelled generation stops the round.
/// </summary>
public sealed class NudgeActivity(IObjectStore store, GuardIndices guards, GenerationSlots slots, ActivityLog log) : TaskActivity<NudgeWork, StepResult>
{
    /// <inheritdoc/>
    public override Task<StepResult> RunAsync(TaskActivityContext context, NudgeWork input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="work">The round to run.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored round.</returns>
    public async Task<StepResult> ExecuteAsync(NudgeWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var sw = Stopwatch.StartNew();
        var item = work.Item;
        var state = WorkNames.Round(item.RunId, item.Index, work.Round);
        if (await store.ExistsAsync(state.Container, state.Name, cancellationToken))
        {
            return new StepResult(state, 0, Reused: true);
        }

        if (work.Round < 0 || work.Round >= guards.Policy.Nudge.MaxRounds)
        {
            throw new PermanentActivityException($"round {work.Round} is outside the policy's {guards.Policy.Nudge.MaxRounds} rounds");
        }

        var first = await FirstPassState.ReadAsync(store, item.RunId, item.Index, cancellationToken);
        var pipeline = await guards.GetNudgingPipelineAsync(cancellationToken);
        var (nudged, waited) = await GenerationSlotRun.RunAsync(store, slots, item,
            (_, token) => pipeline.Nudge(first, first.Images[0], work.Round, work.Matched, token), cancellationToken);
        await store.WriteIfAbsentAsync(state.Container, state.Name, RoundState.Write(nudged), "application/octet-stream", null, cancellationToken);
        log.Logger.LogInformation("image {Run}/{Index}: nudge round {Round} ran in {Ms:F0} ms", item.RunId, item.Index, work.Round + 1, (sw.Elapsed - waited).TotalMilliseconds);
        return new StepResult(state, (sw.Elapsed - waited).TotalMilliseconds, Reused: false);
    }
}
