using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// A generation: fans out one <see cref="GenerateImageOrchestrator"/> per image (the request's seeds, for each
/// prompt) with at most <see cref="MaxInFlight"/> in flight, reports done/total as custom status, then fans in to
/// <c>outputs/{instanceId}/manifest.json</c>. A failed image is recorded in the manifest; the rest complete.
/// </summary>
public sealed class GenerationOrchestrator : TaskOrchestrator<GenerationJob, GenerationSummary>
{
    /// <summary>
    /// Image sub-orchestrations in flight at most. Generation itself is serialized per worker process
    /// (<see cref="NudgeWorkerServices.MaxConcurrentGenerations"/>), so in-flight images beyond the first only wait;
    /// what they buy is that the next image is already queued at the worker while the durable backend delivers the
    /// previous one's completion, so the device does not idle through queue round trips. 16 also lets up to 16
    /// scaled-out workers share one generation.
    /// </summary>
    public const int MaxInFlight = 16;

    /// <inheritdoc/>
    public override async Task<GenerationSummary> RunAsync(TaskOrchestrationContext context, GenerationJob input)
    {
        string runId = context.InstanceId;
        var items = input.Expand(runId);
        int failed = 0;
        context.SetCustomStatus(new OrchestrationProgress("generating", 0, items.Count, 0));
        var images = await FanOut.RunAsync(items, MaxInFlight, item => RunImageAsync(context, item), (result, done) =>
        {
            if (result.Error is not null)
            {
                failed++;
            }

            context.SetCustomStatus(new OrchestrationProgress("generating", done, items.Count, failed));
        });

        context.SetCustomStatus(new OrchestrationProgress("writing-manifest", items.Count, items.Count, failed));
        var summary = new GenerationSummary(runId, items.Count, items.Count - failed, failed, images, OutputNames.GenerationManifest(runId), images.Sum(i => i.ActivityMs));
        await context.CallActivityAsync<BlobRef>(nameof(WriteGenerationManifestActivity), summary, NudgeRetry.Activity);
        context.SetCustomStatus(new OrchestrationProgress("completed", items.Count, items.Count, failed));
        return summary;
    }

    private static async Task<ImageResult> RunImageAsync(TaskOrchestrationContext context, ImageWorkItem item)
    {
        try
        {
            return await context.CallSubOrchestratorAsync<ImageResult>(nameof(GenerateImageOrchestrator), item,
                new SubOrchestrationOptions { InstanceId = OutputNames.ImageInstance(item.RunId, item.Index) });
        }
        catch (TaskFailedException ex)
        {
            // Retries exhausted on a transient failure: record it; the other images still complete.
            return new ImageResult(item.Index, item.Request.Seed, item.Request.Prompt, null, null, null, 0, 0, false, ex.FailureDetails.ErrorMessage);
        }
    }
}
