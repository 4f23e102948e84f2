using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Nudge.Engine.Generation;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Step 2 (and after every round): runs the filter chain on the first pass (with the prompt stage) or on a nudge
/// round's image, stores the report as <see cref="WorkNames.Filters"/> (write-if-absent) and returns the
/// <see cref="NudgeDecision"/> the report leads to. Idempotent: a stored report is read back, not recomputed.
/// </summary>
public sealed class FilterActivity(IObjectStore store, GuardIndices guards, GenerationSlots slots, ActivityLog log) : TaskActivity<FilterWork, FilterStep>
{
    /// <inheritdoc/>
    public override Task<FilterStep> RunAsync(TaskActivityContext context, FilterWork input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="work">What to judge.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The stored report and the decision.</returns>
    public async Task<FilterStep> ExecuteAsync(FilterWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var sw = Stopwatch.StartNew();
        var item = work.Item;
        var reportRef = WorkNames.Filters(item.RunId, item.Index, work.RoundsDone);
        if (await store.ExistsAsync(reportRef.Container, reportRef.Name, cancellationToken))
        {
            var stored = await ReadAsync(store, reportRef, cancellationToken);
            return new FilterStep(reportRef, NudgeDecision.After(guards.Policy, stored.Image, work.RoundsDone, work.Matched), 0);
        }

        var first = await FirstPassState.ReadAsync(store, item.RunId, item.Index, cancellationToken);
        var image = work.RoundsDone == 0 ? first.Images[0]
            : (await RoundState.ReadAsync(store, item.RunId, item.Index, work.RoundsDone - 1, cancellationToken)).Image;

        var pipeline = await guards.GetNudgingPipelineAsync(cancellationToken);
        var (state, waited) = await slots.RunTimedAsync(() =>
        {
            var filterClock = Stopwatch.StartNew();
            var prompt = work.RoundsDone == 0 ? pipeline.FilterPrompt(first.Request.Prompt) : null;
            var report = pipeline.FilterImage(first.Request.Prompt, image, first.Width, first.Height);
            return new FilterState(report, prompt, filterClock.Elapsed.TotalMilliseconds);
        }, cancellationToken);
        await store.WriteIfAbsentAsync(reportRef.Container, reportRef.Name, JsonSerializer.SerializeToUtf8Bytes(state, ImageRecord.JsonOptions), "application/json", null, cancellationToken);
        var decision = NudgeDecision.After(guards.Policy, state.Image, work.RoundsDone, work.Matched);
        log.Logger.LogInformation("image {Run}/{Index}: filters after {Rounds} rounds: {Next}", item.RunId, item.Index, work.RoundsDone,
            decision.Outcome is { } o ? o.ToString().ToLowerInvariant() : $"nudge round {decision.NextRound + 1}");
        return new FilterStep(reportRef, decision, (sw.Elapsed - waited).TotalMilliseconds);
    }

    /// <summary>Reads a stored filter report.</summary>
    /// <param name="store">The store.</param>
    /// <param name="report">The report's blob.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report.</returns>
    internal static async Task<FilterState> ReadAsync(IObjectStore store, BlobRef report, CancellationToken cancellationToken)
    {
        var stored = await store.ReadAsync(report.Container, report.Name, cancellationToken);
        return JsonSerializer.Deserialize<FilterState>(stored.Content.Span, ImageRecord.JsonOptions)
            ?? throw new InvalidDataException($"{report} is empty.");
    }
}
