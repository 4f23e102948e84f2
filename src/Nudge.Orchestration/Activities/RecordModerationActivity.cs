using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Writes the verdict of record to <see cref="OutputNames.Verdict"/>, once per upload version: an existing verdict
/// is never overwritten, so a late run for an older version cannot replace a newer verdict, and a retry writes
/// nothing. The upload itself is never touched: its metadata belongs to the uploader, and a verdict kept there could
/// be forged or could fail to fit beside the uploader's own metadata.
/// </summary>
public sealed class RecordModerationActivity(IObjectStore store) : TaskActivity<ModerationRecord, BlobRef>
{
    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, ModerationRecord input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="record">The verdict.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The verdict JSON's reference.</returns>
    public async Task<BlobRef> ExecuteAsync(ModerationRecord record, CancellationToken cancellationToken = default)
    {
        var target = OutputNames.Verdict(record.Upload.Name, record.SourceETag);
        var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
        await store.WriteIfAbsentAsync(target.Container, target.Name, json, "application/json", null, cancellationToken);
        return target;
    }
}
