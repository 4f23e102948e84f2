namespace Nudge.Indexing.Persistence;

/// <summary>The outcome of <see cref="EmbeddingIndexStore.BuildGraphAsync"/>.</summary>
/// <param name="Name">The index name.</param>
/// <param name="Generation">The manifest generation the graph covers.</param>
/// <param name="Count">Entries in that generation.</param>
/// <param name="Status"><c>built</c>, <c>exists</c> (a graph for this generation was already stored) or <c>below-threshold</c> (searched exactly).</param>
/// <param name="BlobName">The graph's blob (in the index container), or <see langword="null"/> when below the threshold.</param>
/// <param name="Bytes">The graph blob's size (0 when below the threshold).</param>
/// <param name="BuildTime">Time spent building (zero unless built).</param>
/// <param name="Partitions">The graphs the rows are split into (0 when below the threshold).</param>
public sealed record GraphBuildResult(string Name, long Generation, int Count, string Status, string? BlobName, long Bytes, TimeSpan BuildTime, int Partitions);
