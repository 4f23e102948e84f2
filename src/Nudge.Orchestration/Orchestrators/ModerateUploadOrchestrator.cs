using Microsoft.DurableTask;
using Nudge.Mitigation.Moderation;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// An upload: embed and check it against the undesired index (<see cref="ModerateUploadActivity"/>), record the
/// verdict (<c>moderation/{name}.json</c> and blob metadata), and for flag or block move it to
/// <c>quarantine/</c> (copy, verify, then delete the original). A quarantine step that keeps failing leaves the
/// original in place and is reported in the output.
/// </summary>
public sealed class ModerateUploadOrchestrator : TaskOrchestrator<ModerationInput, ModerationOutcome>
{
    /// <inheritdoc/>
    public override async Task<ModerationOutcome> RunAsync(TaskOrchestrationContext context, ModerationInput input)
    {
        context.SetCustomStatus(new OrchestrationProgress("judging", 0, 3, 0));
        var record = await context.CallActivityAsync<ModerationRecord>(nameof(ModerateUploadActivity), input, NudgeRetry.Activity);
        context.SetCustomStatus(new OrchestrationProgress("recording", 1, 3, 0));
        var verdictBlob = await context.CallActivityAsync<BlobRef>(nameof(RecordModerationActivity), record, NudgeRetry.Activity);
        QuarantineResult? quarantine = null;
        if (record.Verdict is ModerationVerdict.Flag or ModerationVerdict.Block)
        {
            context.SetCustomStatus(new OrchestrationProgress("quarantining", 2, 3, 0));
            try
            {
                quarantine = await context.CallActivityAsync<QuarantineResult>(nameof(QuarantineUploadActivity), record, NudgeRetry.Activity);
            }
            catch (TaskFailedException ex)
            {
                quarantine = new QuarantineResult(null, false, $"quarantine failed, the original is kept: {ex.FailureDetails.ErrorMessage}");
            }
        }

        context.SetCustomStatus(new OrchestrationProgress("completed", 3, 3, 0));
        return new ModerationOutcome(record, verdictBlob, quarantine);
    }
}
