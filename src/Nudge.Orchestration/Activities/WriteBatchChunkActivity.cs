using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>Stores a chunk's line results for the manifest (<see cref="WorkNames.BatchResults"/>, write-if-absent).</summary>
public sealed class WriteBatchChunkActivity(IObjectStore store) : TaskActivity<BatchChunkResults, BlobRef>
{
    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, BatchChunkResults input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="results">The chunk's results.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Where they are.</returns>
    public async Task<BlobRef> ExecuteAsync(BatchChunkResults results, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        var target = WorkNames.BatchResults(results.BatchId, results.Start);
        await store.WriteIfAbsentAsync(target.Container, target.Name, JsonSerializer.SerializeToUtf8Bytes(results.Results, ImageRecord.JsonOptions), "application/json", null, cancellationToken);
        return target;
    }
}
