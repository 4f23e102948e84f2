using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Engine.Generation;
using Nudge.Orchestration.State;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Writes a finished batch's manifest, <c>batch-out/{batch}/manifest.json</c> (a <see cref="BatchSummary"/>: every
/// line's result, from the stored chunk results, and every rejected line, from <c>errors.jsonl</c>), write-if-absent.
/// </summary>
public sealed class WriteBatchManifestActivity(IObjectStore store) : TaskActivity<BatchManifestWork, BlobRef>
{
    /// <inheritdoc/>
    public override Task<BlobRef> RunAsync(TaskActivityContext context, BatchManifestWork input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="work">The finished batch.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The manifest's reference.</returns>
    public async Task<BlobRef> ExecuteAsync(BatchManifestWork work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var manifest = OutputNames.BatchManifest(work.BatchId);
        if (await store.ExistsAsync(manifest.Container, manifest.Name, cancellationToken))
        {
            return manifest;
        }

        var lines = new List<BatchLineResult>(work.Cursor.Lines);
        var prefix = WorkNames.BatchResults(work.BatchId, 0).Name[..^"0000000.json".Length];
        var chunks = new List<string>();
        await foreach (var p in store.ListAsync(StorageContainers.Work, prefix, cancellationToken))
        {
            chunks.Add(p.Name);
        }

        foreach (var name in chunks.Order(StringComparer.Ordinal))
        {
            var stored = await store.ReadAsync(StorageContainers.Work, name, cancellationToken);
            lines.AddRange(JsonSerializer.Deserialize<List<BatchLineResult>>(stored.Content.Span, ImageRecord.JsonOptions) ?? []);
        }

        if (lines.Count != work.Cursor.Lines)
        {
            throw new InvalidDataException($"batch {work.BatchId}: {lines.Count} line results stored; {work.Cursor.Lines} lines ran");
        }

        var errors = new List<BatchLineError>();
        if (work.Cursor.ErrorsBlob is { } errorsRef)
        {
            var stored = await store.ReadAsync(errorsRef.Container, errorsRef.Name, cancellationToken);
            foreach (var row in Encoding.UTF8.GetString(stored.Content.Span).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                errors.Add(JsonSerializer.Deserialize<BatchLineError>(row, ReadBatchFileActivity.LineOptions)!);
            }
        }

        var summary = new BatchSummary(work.BatchId, work.Source, lines, errors, work.Cursor.ErrorsBlob, manifest);
        await store.WriteIfAbsentAsync(manifest.Container, manifest.Name, JsonSerializer.SerializeToUtf8Bytes(summary, ImageRecord.JsonOptions), "application/json", null, cancellationToken);
        return manifest;
    }

    /// <summary>Reads a batch's manifest.</summary>
    /// <param name="store">The store.</param>
    /// <param name="manifest">The manifest's reference.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The manifest.</returns>
    public static async Task<BatchSummary> ReadAsync(IObjectStore store, BlobRef manifest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(manifest);
        var stored = await store.ReadAsync(manifest.Container, manifest.Name, cancellationToken);
        return JsonSerializer.Deserialize<BatchSummary>(stored.Content.Span, ImageRecord.JsonOptions)
            ?? throw new InvalidDataException($"{manifest} is empty");
    }
}
