using Nudge.Storage;

namespace Nudge.Orchestration.State;

/// <summary>
/// Where the image activities keep the state they hand on: <c>work/{runId}/{index}/…</c>, named only from the
/// instance id, the image index and the round, so a retried or replayed activity finds what an earlier attempt wrote.
/// </summary>
public static class WorkNames
{
    /// <summary><c>work/{runId}/{index}/first-pass.state</c>: the first pass with its restart states.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <returns>The reference.</returns>
    public static BlobRef FirstPass(string runId, int index) => new(StorageContainers.Work, $"{runId}/{index}/first-pass.state");

    /// <summary><c>work/{runId}/{index}/round-{round}.state</c>: a nudge round's regenerated image.</summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <param name="round">0-based round.</param>
    /// <returns>The reference.</returns>
    public static BlobRef Round(string runId, int index, int round) => new(StorageContainers.Work, $"{runId}/{index}/round-{round}.state");

    /// <summary>
    /// <c>work/{runId}/{index}/filters-{n}.json</c>: the filter report after <paramref name="roundsDone"/> rounds
    /// (0: on the first pass, with the prompt stage's report).
    /// </summary>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="index">The image index.</param>
    /// <param name="roundsDone">Rounds run before the filters.</param>
    /// <returns>The reference.</returns>
    public static BlobRef Filters(string runId, int index, int roundsDone) => new(StorageContainers.Work, $"{runId}/{index}/filters-{roundsDone}.json");

    /// <summary><c>work/batches/{batchId}/lines.jsonl</c>: a batch file's valid lines, one JSON line each.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <returns>The reference.</returns>
    public static BlobRef BatchLines(string batchId) => new(StorageContainers.Work, $"batches/{batchId}/lines.jsonl");

    /// <summary><c>work/batches/{batchId}/results-{start}.json</c>: the results of the chunk starting at line index <paramref name="start"/>.</summary>
    /// <param name="batchId">The batch id.</param>
    /// <param name="start">0-based index of the chunk's first line.</param>
    /// <returns>The reference.</returns>
    public static BlobRef BatchResults(string batchId, int start) => new(StorageContainers.Work, $"batches/{batchId}/results-{start:D7}.json");
}
