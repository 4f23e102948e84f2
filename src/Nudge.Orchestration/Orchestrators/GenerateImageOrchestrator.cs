using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// One image: calls <see cref="GenerateImageActivity"/> (generate → filter → nudge rounds, with retries for
/// transient failures). A permanent failure (bad input) is returned as an <see cref="ImageResult"/> with an error
/// rather than failing the orchestration.
/// </summary>
public sealed class GenerateImageOrchestrator : TaskOrchestrator<ImageWorkItem, ImageResult>
{
    /// <inheritdoc/>
    public override async Task<ImageResult> RunAsync(TaskOrchestrationContext context, ImageWorkItem input)
    {
        context.SetCustomStatus(new OrchestrationProgress("generating", 0, 1, 0));
        try
        {
            var result = await context.CallActivityAsync<ImageResult>(nameof(GenerateImageActivity), input, NudgeRetry.Activity);
            context.SetCustomStatus(new OrchestrationProgress("completed", 1, 1, 0));
            return result;
        }
        catch (TaskFailedException ex) when (NudgeRetry.IsPermanent(ex.FailureDetails))
        {
            context.SetCustomStatus(new OrchestrationProgress("failed", 1, 1, 1));
            return new ImageResult(input.Index, input.Request.Seed, input.Request.Prompt, null, null, null, 0, 0, false, ex.FailureDetails.ErrorMessage);
        }
    }
}
