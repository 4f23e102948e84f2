using Microsoft.DurableTask;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// One image, as the design card draws it: <see cref="GenerateActivity"/> → <see cref="FilterActivity"/> → only when
/// a filter fired, <see cref="NudgeActivity"/> → <see cref="FilterActivity"/> → … as the filter reports decide, then
/// <see cref="PublishImageActivity"/>. Every step hands the next a blob reference, so a worker lost after a step
/// resumes at the next one. Transient failures are retried; a permanent failure (bad input, a cancel) is returned as an
/// <see cref="ImageResult"/> with an error rather than failing the orchestration.
/// </summary>
public sealed class GenerateImageOrchestrator : TaskOrchestrator<ImageWorkItem, ImageResult>
{
    /// <inheritdoc/>
    public override async Task<ImageResult> RunAsync(TaskOrchestrationContext context, ImageWorkItem input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        context.SetCustomStatus(new OrchestrationProgress("generating", 0, 1, 0));
        try
        {
            var generated = await context.CallActivityAsync<StepResult>(nameof(GenerateActivity), input, NudgeRetry.Activity);
            double activityMs = generated.ActivityMs;
            context.SetCustomStatus(new OrchestrationProgress("filtering", 0, 1, 0));
            var filtered = await context.CallActivityAsync<FilterStep>(nameof(FilterActivity), new FilterWork(input, 0, []), NudgeRetry.Activity);
            activityMs += filtered.ActivityMs;
            int rounds = 0;
            while (filtered.Decision.NextRound is int round)
            {
                context.SetCustomStatus(new OrchestrationProgress($"nudging-round-{round + 1}", 0, 1, 0));
                var nudged = await context.CallActivityAsync<StepResult>(nameof(NudgeActivity), new NudgeWork(input, round, filtered.Decision.Matched), NudgeRetry.Activity);
                rounds = round + 1;
                filtered = await context.CallActivityAsync<FilterStep>(nameof(FilterActivity), new FilterWork(input, rounds, filtered.Decision.Matched), NudgeRetry.Activity);
                activityMs += nudged.ActivityMs + filtered.ActivityMs;
            }

            var outcome = filtered.Decision.Outcome ?? throw new InvalidOperationException("The filter step ended without an outcome.");
            var result = await context.CallActivityAsync<ImageResult>(nameof(PublishImageActivity), new PublishWork(input, rounds, outcome, filtered.Decision.Matched), NudgeRetry.Activity);
            context.SetCustomStatus(new OrchestrationProgress("completed", 1, 1, 0));
            return result with { ActivityMs = result.Reused ? 0 : activityMs + result.ActivityMs };
        }
        catch (TaskFailedException ex) when (NudgeRetry.IsPermanent(ex.FailureDetails))
        {
            context.SetCustomStatus(new OrchestrationProgress("failed", 1, 1, 1));
            return new ImageResult(input.Index, input.Request.Seed, input.Request.Prompt, null, null, null, 0, 0, false, ex.FailureDetails.ErrorMessage);
        }
    }
}
