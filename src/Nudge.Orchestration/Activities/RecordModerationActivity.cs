using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Writes the verdict to <c>moderation/{name}.json</c> and sets <c>nudge_verdict</c>, <c>nudge_score</c> and
/// <c>nudge_source_etag</c> metadata on the upload, only if it is still the version judged (a newer upload gets
/// its own moderation). Repeating it writes the same verdict again.
/// </summary>
public sealed class RecordModerationActivity(NudgeWorkerServices services) : TaskActivity<ModerationRecord, BlobRef>
{
    /// <summary>Metadata key of the verdict.</summary>
    public const string VerdictKey = "nudge_verdict";

    /// <summary>Metadata key of the version judged.</summary>
    public const string SourceETagKey = "nudge_source_etag";

    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, ModerationRecord input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="record">The verdict.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The verdict JSON's reference.</returns>
    public async Task<BlobRef> ExecuteAsync(ModerationRecord record, CancellationToken cancellationToken = default)
    {
        var target = OutputNames.Verdict(record.Upload.Name);
        var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
        await services.Store.WriteAsync(target.Container, target.Name, json, "application/json", null, null, cancellationToken);

        if (record.SourceETag.Length == 0)
        {
            return target;
        }

        try
        {
            var props = await services.Store.GetPropertiesAsync(record.Upload.Container, record.Upload.Name, cancellationToken);
            bool judgedVersion = props.ETag.ToString() == record.SourceETag;
            bool alreadyMarked = props.Metadata.TryGetValue(SourceETagKey, out var marked) && marked == record.SourceETag;
            if (judgedVersion && !alreadyMarked)
            {
                var metadata = new Dictionary<string, string>(props.Metadata)
                {
                    [VerdictKey] = record.Verdict.ToString().ToLowerInvariant(),
                    ["nudge_score"] = record.Score is float s ? s.ToString("F4", CultureInfo.InvariantCulture) : "none",
                    [SourceETagKey] = record.SourceETag,
                };
                await services.Store.SetMetadataAsync(record.Upload.Container, record.Upload.Name, metadata, props.ETag, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is ObjectNotFoundException or PreconditionFailedException)
        {
            // Deleted or replaced since it was judged: the verdict JSON stands; the new version is moderated on its own.
        }

        return target;
    }
}
