using Microsoft.DurableTask;
using Nudge.Mitigation.Moderation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Judges one upload with <see cref="UploadModerator"/>: embed, check against the undesired index, verdict.
/// Oversized uploads are judged <see cref="ModerationVerdict.Invalid"/> without being read; a missing upload too.
/// </summary>
public sealed class ModerateUploadActivity(IObjectStore store, GuardIndices guards, GenerationSlots slots, ModerationOptions moderation) : TaskActivity<ModerationInput, ModerationRecord>
{
    /// <inheritdoc/>
    public override Task<ModerationRecord> RunAsync(TaskActivityContext context, ModerationInput input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="input">The upload.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The verdict.</returns>
    public async Task<ModerationRecord> ExecuteAsync(ModerationInput input, CancellationToken cancellationToken = default)
    {
        var upload = input.Upload;
        if (!StorageNames.IsValidObjectName(upload.Name))
        {
            // Judged without a read: the name cannot be addressed portably, and a retry would not change that.
            return Invalid(upload, input.ETag ?? "", 0, $"unusable name ({upload.Name.Length} characters): {StorageNames.DescribeObjectNameProblem(upload.Name)}");
        }

        StoredObject stored;
        try
        {
            stored = await store.ReadAsync(upload.Container, upload.Name, moderation.MaxBytes, cancellationToken);
        }
        catch (ObjectTooLargeException ex)
        {
            return Invalid(upload, ex.ETag.ToString(), ex.Length, $"file is {ex.Length} bytes; the limit is {ex.MaxBytes}");
        }
        catch (ObjectNotFoundException)
        {
            return Invalid(upload, "", 0, "the upload no longer exists");
        }

        var moderator = await guards.GetModeratorAsync(cancellationToken);
        var result = await slots.RunAsync(() => moderator.Moderate(upload.ToString(), stored.Content), cancellationToken);
        return new ModerationRecord(upload, stored.ETag.ToString(), stored.Content.Length, result.Verdict, result.Reason,
            float.IsNaN(result.Score) ? null : result.Score,
            [.. result.Matches.Select(m => new ModerationMatch(m.EntryId, m.Similarity, m.Threshold))], result.Width, result.Height);
    }

    private static ModerationRecord Invalid(BlobRef upload, string etag, long length, string reason) =>
        new(upload, etag, length, ModerationVerdict.Invalid, reason, null, [], 0, 0);
}
