using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>Writes a generation's fan-in to <c>outputs/{run}/manifest.json</c> (write-if-absent: a retry keeps the first).</summary>
public sealed class WriteGenerationManifestActivity(IObjectStore store) : TaskActivity<GenerationSummary, BlobRef>
{
    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, GenerationSummary input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="summary">The summary to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The manifest's reference.</returns>
    public async Task<BlobRef> ExecuteAsync(GenerationSummary summary, CancellationToken cancellationToken = default)
    {
        var target = summary.Manifest;
        var json = JsonSerializer.SerializeToUtf8Bytes(summary, ImageRecord.JsonOptions);
        await store.WriteIfAbsentAsync(target.Container, target.Name, json, "application/json", null, cancellationToken);
        return target;
    }
}
