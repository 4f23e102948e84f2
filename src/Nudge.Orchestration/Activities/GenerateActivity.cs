using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Step 1 of an image: the ordinary generation (count 1, the item's seed), stored with the denoising states every
/// nudge round may restart from as <see cref="WorkNames.FirstPass"/> (write-if-absent). Idempotent: when the state
/// exists (a retried or replayed activity) it is returned and nothing is generated. Bad input throws
/// <see cref="PermanentActivityException"/>; a cancelled generation stops between denoising steps.
/// </summary>
public sealed class GenerateActivity(IObjectStore store, GuardIndices guards, GenerationSlots slots, ActivityLog log) : TaskActivity<ImageWorkItem, StepResult>
{
    /// <inheritdoc/>
    public override Task<StepResult> RunAsync(TaskActivityContext context, ImageWorkItem input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="item">The image to make.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored first pass.</returns>
    public async Task<StepResult> ExecuteAsync(ImageWorkItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var sw = Stopwatch.StartNew();
        var state = WorkNames.FirstPass(item.RunId, item.Index);
        if (await store.ExistsAsync(state.Container, state.Name, cancellationToken))
        {
            log.Logger.LogInformation("image {Run}/{Index}: first pass found from an earlier attempt", item.RunId, item.Index);
            return new StepResult(state, 0, Reused: true);
        }

        if (item.Request.Count != 1)
        {
            throw new PermanentActivityException($"an image work item has count 1, got {item.Request.Count}");
        }

        var errors = item.Request.Validate();
        if (errors.Count > 0)
        {
            throw new PermanentActivityException("invalid request: " + string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")));
        }

        var pipeline = await guards.GetNudgingPipelineAsync(cancellationToken);
        var (first, waited) = await GenerationSlotRun.RunAsync(store, slots, item,
            (progress, token) => pipeline.GenerateFirstPass(item.Request, progress, token), cancellationToken);
        await store.WriteIfAbsentAsync(state.Container, state.Name, FirstPassState.Write(first), "application/octet-stream", null, cancellationToken);
        log.Logger.LogInformation("image {Run}/{Index}: first pass generated in {Ms:F0} ms", item.RunId, item.Index, (sw.Elapsed - waited).TotalMilliseconds);
        return new StepResult(state, (sw.Elapsed - waited).TotalMilliseconds, Reused: false);
    }
}
