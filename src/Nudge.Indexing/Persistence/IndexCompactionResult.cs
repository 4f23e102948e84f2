namespace Nudge.Indexing.Persistence;

/// <summary>The outcome of <see cref="EmbeddingIndexStore.CompactAsync"/>.</summary>
/// <param name="Name">The index name.</param>
/// <param name="Generation">The manifest generation after compaction (unchanged when the index was already compact).</param>
/// <param name="ShardCount">The number of shards the index now has.</param>
/// <param name="DeletedBlobCount">Unreferenced shard and proximity-graph blobs deleted.</param>
public sealed record IndexCompactionResult(string Name, long Generation, int ShardCount, int DeletedBlobCount);
