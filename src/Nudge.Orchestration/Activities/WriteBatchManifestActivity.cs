using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>Writes a batch's fan-in to <c>batch-out/{batch}/manifest.json</c> (write-if-absent).</summary>
public sealed class WriteBatchManifestActivity(IObjectStore store) : TaskActivity<BatchSummary, BlobRef>
{
    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, BatchSummary input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="summary">The summary to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The manifest's reference.</returns>
    public async Task<BlobRef> ExecuteAsync(BatchSummary summary, CancellationToken cancellationToken = default)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(summary, ImageRecord.JsonOptions);
        await store.WriteIfAbsentAsync(summary.Manifest.Container, summary.Manifest.Name, json, "application/json", null, cancellationToken);
        return summary.Manifest;
    }
}
