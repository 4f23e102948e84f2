using Microsoft.DurableTask;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Moves a flagged, blocked or invalid upload version to <see cref="OutputNames.Quarantined"/>: copy, verify the copy
/// (the store checks length and MD5; this checks them again against the source), and only then delete the original,
/// with an ETag condition so that a newer upload of the same name is never deleted. Nothing is ever deleted without a
/// verified copy, and an existing quarantined copy is never overwritten. Repeating it after a partial run finishes the move.
/// </summary>
public sealed class QuarantineUploadActivity(IObjectStore store) : TaskActivity<ModerationRecord, QuarantineResult>
{
    /// <inheritdoc/>
    public override Task<QuarantineResult> RunAsync(TaskActivityContext context, ModerationRecord input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="record">The verdict (flag or block).</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>What was done.</returns>
    public async Task<QuarantineResult> ExecuteAsync(ModerationRecord record, CancellationToken cancellationToken = default)
    {
        var src = record.Upload;
        if (!StorageNames.IsValidObjectName(src.Name))
        {
            throw new PermanentActivityException($"the upload's name cannot be addressed ({StorageNames.DescribeObjectNameProblem(src.Name)}); it is left in place with its verdict recorded");
        }

        var dst = OutputNames.Quarantined(src.Name, record.SourceETag);
        ObjectProperties source;
        try
        {
            source = await store.GetPropertiesAsync(src.Container, src.Name, cancellationToken);
        }
        catch (ObjectNotFoundException)
        {
            bool copied = await store.ExistsAsync(dst.Container, dst.Name, cancellationToken);
            return new QuarantineResult(copied ? dst : null, false, copied ? "already moved to quarantine" : "the upload no longer exists; nothing to move");
        }

        if (source.ETag.ToString() != record.SourceETag)
        {
            return new QuarantineResult(null, false, "the upload was replaced after it was judged; the new version is moderated on its own");
        }

        ObjectProperties copy;
        try
        {
            // An earlier attempt's copy of this version is kept, never replaced: verify it instead.
            copy = await store.GetPropertiesAsync(dst.Container, dst.Name, cancellationToken);
        }
        catch (ObjectNotFoundException)
        {
            copy = await store.CopyAsync(src.Container, src.Name, dst.Container, dst.Name, cancellationToken);
        }

        if (copy.Length != source.Length || (source.ContentMd5 is not null && copy.ContentMd5 is not null && copy.ContentMd5 != source.ContentMd5))
        {
            throw new InvalidDataException($"the copy {dst} does not match {src}; the original is kept");
        }

        try
        {
            bool removed = await store.DeleteAsync(src.Container, src.Name, source.ETag, cancellationToken);
            return new QuarantineResult(dst, removed, removed ? "copied to quarantine, verified, original removed" : "copied to quarantine, verified; the original was already gone");
        }
        catch (PreconditionFailedException)
        {
            return new QuarantineResult(dst, false, "copied to quarantine, verified; the original changed meanwhile and was kept");
        }
    }
}
