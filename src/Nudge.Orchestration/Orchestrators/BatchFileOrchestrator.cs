using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// A batch file: reads and validates it once (<see cref="ReadBatchFileActivity"/>: the valid lines are stored,
/// malformed ones go to <c>batch-out/{batch}/errors.jsonl</c> with their line numbers), then runs the valid lines
/// <see cref="BatchInput.ChunkLines"/> at a time: reads the chunk (<see cref="ReadBatchChunkActivity"/>), runs each line as a
/// <see cref="GenerationOrchestrator"/> sub-orchestration (at most <see cref="MaxLinesInFlight"/> at once), stores the
/// chunk's results (<see cref="WriteBatchChunkActivity"/>) and continues as new with its cursor, so its history never
/// holds more than one chunk. Last, <see cref="WriteBatchManifestActivity"/> writes <c>batch-out/{batch}/manifest.json</c>.
/// Progress (lines done/total) is the custom status.
/// </summary>
public sealed class BatchFileOrchestrator : TaskOrchestrator<BatchInput, BatchOutcome?>
{
    /// <summary>Lines (generation sub-orchestrations) in flight at most.</summary>
    public const int MaxLinesInFlight = 4;

    /// <inheritdoc/>
    public override async Task<BatchOutcome?> RunAsync(TaskOrchestrationContext context, BatchInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var cursor = input.Cursor;
        if (cursor is null)
        {
            context.SetCustomStatus(new OrchestrationProgress("reading", 0, 0, 0));
            var plan = await context.CallActivityAsync<BatchPlan>(nameof(ReadBatchFileActivity), input, NudgeRetry.Activity);
            cursor = new BatchCursor(plan.Lines, plan.LineCount, plan.Rejected, plan.ErrorsBlob, 0, 0, 0);
        }

        int total = cursor.Lines;
        if (cursor.NextLine < total)
        {
            int count = Math.Min(Math.Max(1, input.ChunkLines), total - cursor.NextLine), failed = cursor.FailedLines;
            context.SetCustomStatus(new OrchestrationProgress("generating", cursor.NextLine, total, failed));
            var lines = await context.CallActivityAsync<IReadOnlyList<BatchLine>>(nameof(ReadBatchChunkActivity), new BatchChunk(cursor.Plan, cursor.NextLine, count), NudgeRetry.Activity);
            var results = await FanOut.RunAsync(lines, MaxLinesInFlight, line => RunLineAsync(context, line), (r, done) =>
            {
                if (r.Error is not null || r.Failed > 0)
                {
                    failed++;
                }

                context.SetCustomStatus(new OrchestrationProgress("generating", cursor.NextLine + done, total, failed));
            });
            await context.CallActivityAsync<BlobRef>(nameof(WriteBatchChunkActivity), new BatchChunkResults(input.BatchId, cursor.NextLine, results), NudgeRetry.Activity);
            context.ContinueAsNew(input with
            {
                Cursor = cursor with { NextLine = cursor.NextLine + count, Images = cursor.Images + results.Sum(r => r.Succeeded), FailedLines = failed },
            });
            return null;
        }

        context.SetCustomStatus(new OrchestrationProgress("writing-manifest", total, total, cursor.FailedLines));
        var manifest = await context.CallActivityAsync<BlobRef>(nameof(WriteBatchManifestActivity), new BatchManifestWork(input.BatchId, input.Source, cursor), NudgeRetry.Activity);
        context.SetCustomStatus(new OrchestrationProgress("completed", total, total, cursor.FailedLines));
        return new BatchOutcome(input.BatchId, manifest, total, cursor.Images, cursor.FailedLines, cursor.Rejected);
    }

    private static async Task<BatchLineResult> RunLineAsync(TaskOrchestrationContext context, BatchLine line)
    {
        var id = OutputNames.BatchLineInstance(context.InstanceId, line.LineNumber);
        try
        {
            var s = await context.CallSubOrchestratorAsync<GenerationSummary>(nameof(GenerationOrchestrator), line.Job, new SubOrchestrationOptions { InstanceId = id });
            return new BatchLineResult(line.LineNumber, id, s.Manifest, s.Succeeded, s.Failed, null);
        }
        catch (TaskFailedException ex)
        {
            return new BatchLineResult(line.LineNumber, id, null, 0, 0, ex.FailureDetails.ErrorMessage);
        }
    }
}
