using Nudge.Storage;

namespace Nudge.Indexing.Persistence;

/// <summary>Configuration of an <see cref="EmbeddingIndexStore"/>.</summary>
public sealed class EmbeddingIndexStoreOptions
{
    /// <summary>The container holding the indices. Default <see cref="StorageContainers.Indices"/>.</summary>
    public string Container { get; set; } = StorageContainers.Indices;

    /// <summary>How new indices store embeddings; an existing index keeps the type it was created with. Default float32.</summary>
    public EmbeddingStorageType StorageType { get; set; } = EmbeddingStorageType.Float32;

    /// <summary>
    /// What adding an id that is already in the index does: <see langword="false"/> (default) throws
    /// <see cref="ArgumentException"/>; <see langword="true"/> replaces the existing entry.
    /// </summary>
    public bool ReplaceExistingIds { get; set; }

    /// <summary>The most entries one shard holds (larger batches and compactions write several). Default 65,536.</summary>
    public int MaxEntriesPerShard { get; set; } = 65_536;

    /// <summary>How often an update retries after losing a race for the manifest before giving up. Default 30.</summary>
    public int MaxCommitAttempts { get; set; } = 30;

    /// <summary>The first retry delay after a lost race; it doubles (with jitter) up to 1 s. Default 20 ms.</summary>
    public TimeSpan CommitRetryDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// How old an unreferenced shard must be before <see cref="EmbeddingIndexStore.CompactAsync"/> deletes it.
    /// Shards are written before the manifest that references them, so a young unreferenced shard may belong to an
    /// update still in flight in another process. Default 1 hour.
    /// </summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Approximate search: the size from which <see cref="EmbeddingIndexStore.BuildGraphAsync"/> builds a proximity graph, and
    /// the graph's settings. Default: graphs from 100,000 entries.
    /// </summary>
    public Approximate.ApproximateSearchOptions ApproximateSearch { get; set; } = new();

    /// <summary>The clock for <see cref="IndexEntry.AddedAt"/> defaults and manifest timestamps.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
