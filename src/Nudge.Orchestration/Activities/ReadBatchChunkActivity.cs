using System.Text;
using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Storage;

namespace Nudge.Orchestration.Activities;

/// <summary>Reads a chunk of a batch's stored valid lines, so that the orchestration carries one chunk, not the file.</summary>
public sealed class ReadBatchChunkActivity(IObjectStore store) : TaskActivity<BatchChunk, IReadOnlyList<BatchLine>>
{
    /// <inheritdoc/>
    public override Task<IReadOnlyList<BatchLine>> RunAsync(TaskActivityContext context, BatchChunk input) => ExecuteAsync(input);

    /// <summary>The activity's work, callable without a durable context.</summary>
    /// <param name="chunk">Which lines.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The lines, in file order.</returns>
    public async Task<IReadOnlyList<BatchLine>> ExecuteAsync(BatchChunk chunk, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var stored = await store.ReadAsync(chunk.Lines.Container, chunk.Lines.Name, cancellationToken);
        var text = Encoding.UTF8.GetString(stored.Content.Span);
        var lines = new List<BatchLine>(chunk.Count);
        foreach (var row in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(chunk.Start).Take(chunk.Count))
        {
            lines.Add(JsonSerializer.Deserialize<BatchLine>(row, ReadBatchFileActivity.LineOptions)
                ?? throw new InvalidDataException($"{chunk.Lines} holds an empty line"));
        }

        if (lines.Count != chunk.Count)
        {
            throw new InvalidDataException($"{chunk.Lines} has {chunk.Start + lines.Count} lines; lines {chunk.Start}..{chunk.Start + chunk.Count - 1} were asked for");
        }

        return lines;
    }
}
