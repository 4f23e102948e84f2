using Microsoft.DurableTask;
using Nudge.Mitigation.Moderation;
using Nudge.Orchestration.Activities;

namespace Nudge.Orchestration.Orchestrators;

/// <summary>
/// An upload, failing closed: judge it (<see cref="ModerateUploadActivity"/>); when judging keeps failing, record it
/// as <see cref="ModerationVerdict.Invalid"/> with the failure as the reason. Record the verdict of record
/// (<see cref="OutputNames.Verdict"/>, one per version, never overwritten), and move every version that is not
/// allowed (flag, block, invalid) to quarantine: copy, verify, then delete the original. A quarantine step that keeps
/// failing leaves the original in place and is reported in the output; the reconciliation sweep tries again.
/// </summary>
public sealed class ModerateUploadOrchestrator : TaskOrchestrator<ModerationInput, ModerationOutcome>
{
    /// <inheritdoc/>
    public override async Task<ModerationOutcome> RunAsync(TaskOrchestrationContext context, ModerationInput input)
    {
        context.SetCustomStatus(new OrchestrationProgress("judging", 0, 3, 0));
        ModerationRecord record;
        try
        {
            record = await context.CallActivityAsync<ModerationRecord>(nameof(ModerateUploadActivity), input, NudgeRetry.Activity);
        }
        catch (TaskFailedException ex)
        {
            record = new ModerationRecord(input.Upload, input.ETag ?? "", 0, ModerationVerdict.Invalid,
                $"could not be judged: {ex.FailureDetails.ErrorMessage}", null, [], 0, 0);
        }

        context.SetCustomStatus(new OrchestrationProgress("recording", 1, 3, 0));
        var verdictBlob = await context.CallActivityAsync<BlobRef>(nameof(RecordModerationActivity), record, NudgeRetry.Activity);
        QuarantineResult? quarantine = null;
        if (record.Verdict is not ModerationVerdict.Allow && record.SourceETag.Length > 0)
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
