using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// A batch file: reads and validates it (<see cref="ReadBatchFileActivity"/>: malformed lines go to
/// <c>batch-out/{batch}/errors.jsonl</c> with their line numbers), runs each valid line as a
/// <see cref="GenerationOrchestrator"/> sub-orchestration (at most <see cref="MaxLinesInFlight"/> at once), and
/// writes <c>batch-out/{batch}/manifest.json</c>. Progress (lines done/total) is the custom status.
/// </summary>
public sealed class BatchFileOrchestrator : TaskOrchestrator<BatchInput, BatchSummary>
{
    /// <summary>Lines (generation sub-orchestrations) in flight at most.</summary>
    public const int MaxLinesInFlight = 4;

    /// <inheritdoc/>
    public override async Task<BatchSummary> RunAsync(TaskOrchestrationContext context, BatchInput input)
    {
        context.SetCustomStatus(new OrchestrationProgress("reading", 0, 0, 0));
        var plan = await context.CallActivityAsync<BatchPlan>(nameof(ReadBatchFileActivity), input, NudgeRetry.Activity);
        int total = plan.Lines.Count, failed = 0;
        context.SetCustomStatus(new OrchestrationProgress("generating", 0, total, 0));
        var results = await FanOut.RunAsync(plan.Lines, MaxLinesInFlight, line => RunLineAsync(context, line), (r, done) =>
        {
            if (r.Error is not null || r.Failed > 0)
            {
                failed++;
            }

            context.SetCustomStatus(new OrchestrationProgress("generating", done, total, failed));
        });

        context.SetCustomStatus(new OrchestrationProgress("writing-manifest", total, total, failed));
        var summary = new BatchSummary(input.BatchId, input.Source, results, plan.Errors, plan.ErrorsBlob, OutputNames.BatchManifest(input.BatchId));
        await context.CallActivityAsync<BlobRef>(nameof(WriteBatchManifestActivity), summary, NudgeRetry.Activity);
        context.SetCustomStatus(new OrchestrationProgress("completed", total, total, failed));
        return summary;
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
