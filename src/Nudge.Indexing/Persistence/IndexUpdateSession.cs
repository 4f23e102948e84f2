using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Nudge.Storage;

namespace Nudge.Indexing.Persistence;

/// <summary>
/// The shard work of one update call, kept across its commit retries: shards it wrote (immutable, so a retry
/// that needs the same rows reuses them instead of writing again) and shards it read (verified once).
/// </summary>
internal sealed class IndexUpdateSession
{
    private const string ShardContentType = "application/octet-stream";

    private readonly IObjectStore _store;
    private readonly string _container;
    private readonly string _index;
    private readonly int _maxEntriesPerShard;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _readBlobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<WrittenShard>> _writtenShards = new(StringComparer.Ordinal);

    public IndexUpdateSession(IObjectStore store, string container, string index, int maxEntriesPerShard, TimeProvider time)
    {
        _store = store;
        _container = container;
        _index = index;
        _maxEntriesPerShard = maxEntriesPerShard;
        _time = time;
    }

    /// <summary>Writes (once per storage type) the shards holding a batch of prepared entries.</summary>
    public async Task<IReadOnlyList<WrittenShard>> WriteNewEntriesAsync(
        List<IndexEntry> batch,
        EmbeddingStorageType storageType,
        CancellationToken cancellationToken)
    {
        string key = $"new:{ManifestRules.Format(storageType)}";
        if (_writtenShards.TryGetValue(key, out IReadOnlyList<WrittenShard>? cached))
        {
            return cached;
        }

        int dimension = batch[0].Embedding.Length;
        int bytesPerValue = EmbeddingMatrixBuilder.BytesPerValue(storageType);
        var shards = new List<WrittenShard>();
        foreach (IndexEntry[] chunk in batch.Chunk(_maxEntriesPerShard))
        {
            byte[] embeddings = new byte[chunk.Length * dimension * bytesPerValue];
            long latentValues = 0;
            var entries = new List<ManifestEntry>(chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                Span<byte> row = embeddings.AsSpan(i * dimension * bytesPerValue, dimension * bytesPerValue);
                if (storageType == EmbeddingStorageType.Float32)
                {
                    MemoryMarshal.AsBytes(chunk[i].Embedding.AsSpan()).CopyTo(row);
                }
                else
                {
                    TensorPrimitives.ConvertToHalf(chunk[i].Embedding, MemoryMarshal.Cast<byte, Half>(row));
                }

                latentValues += chunk[i].Latent?.Length ?? 0;
                entries.Add(ToManifestEntry(chunk[i]));
            }

            byte[]? latents = null;
            if (latentValues > 0)
            {
                latents = new byte[latentValues * sizeof(float)];
                int offset = 0;
                foreach (IndexEntry entry in chunk)
                {
                    if (entry.Latent is { } latent)
                    {
                        MemoryMarshal.AsBytes(latent.AsSpan()).CopyTo(latents.AsSpan(offset));
                        offset += latent.Length * sizeof(float);
                    }
                }
            }

            shards.Add(await WriteShardAsync(entries, embeddings, latents, cancellationToken).ConfigureAwait(false));
        }

        _writtenShards[key] = shards;
        return shards;
    }

    /// <summary>
    /// The manifest's entries and shards without the entries in <paramref name="ids"/>: untouched shards are kept
    /// as they are, emptied shards dropped, and partly affected shards rewritten (to new blobs) with the survivors.
    /// </summary>
    public async Task<(List<ManifestEntry> Entries, List<ManifestShard> Shards)> RemoveEntriesAsync(
        IndexManifest manifest,
        IReadOnlySet<string> ids,
        CancellationToken cancellationToken)
    {
        var entries = new List<ManifestEntry>(manifest.Count);
        var shards = new List<ManifestShard>(manifest.Shards.Count);
        foreach (ManifestShard shard in manifest.Shards)
        {
            var keep = new List<int>(shard.EntryCount);
            for (int row = shard.FirstEntry; row < shard.FirstEntry + shard.EntryCount; row++)
            {
                if (!ids.Contains(manifest.Entries[row].Id))
                {
                    keep.Add(row);
                }
            }

            if (keep.Count == shard.EntryCount)
            {
                shards.Add(shard with { FirstEntry = entries.Count });
                entries.AddRange(manifest.Entries.GetRange(shard.FirstEntry, shard.EntryCount));
            }
            else if (keep.Count > 0)
            {
                string key = $"rewrite:{shard.Id}:{RowsKey(keep)}";
                if (!_writtenShards.TryGetValue(key, out IReadOnlyList<WrittenShard>? rewritten))
                {
                    rewritten = [await CopyRowsAsync(manifest, keep, cancellationToken).ConfigureAwait(false)];
                    _writtenShards[key] = rewritten;
                }

                Append(entries, shards, rewritten);
            }
        }

        return (entries, shards);
    }

    /// <summary>All of the manifest's rows rewritten into as few shards as <c>MaxEntriesPerShard</c> allows.</summary>
    public async Task<IReadOnlyList<WrittenShard>> RewriteAllAsync(IndexManifest manifest, CancellationToken cancellationToken)
    {
        string key = $"compact:{manifest.Generation}";
        if (_writtenShards.TryGetValue(key, out IReadOnlyList<WrittenShard>? cached))
        {
            return cached;
        }

        var shards = new List<WrittenShard>();
        foreach (int[] rows in Enumerable.Range(0, manifest.Count).Chunk(_maxEntriesPerShard))
        {
            shards.Add(await CopyRowsAsync(manifest, rows, cancellationToken).ConfigureAwait(false));
        }

        _writtenShards[key] = shards;
        return shards;
    }

    /// <summary>Adds written shards after the entries so far, numbering their rows from there.</summary>
    public static void Append(List<ManifestEntry> entries, List<ManifestShard> shards, IReadOnlyList<WrittenShard> written)
    {
        foreach (WrittenShard shard in written)
        {
            shards.Add(shard.Shard with { FirstEntry = entries.Count });
            entries.AddRange(shard.Entries);
        }
    }

    private static ManifestEntry ToManifestEntry(IndexEntry entry) => new()
    {
        Id = entry.Id,
        Kind = ManifestRules.Format(entry.Kind),
        Source = entry.Source,
        Caption = entry.Caption,
        Threshold = entry.Threshold,
        TriggerWords = entry.TriggerWords.Count == 0 ? null : [.. entry.TriggerWords],
        AddedAt = entry.AddedAt,
        LatentShape = entry.LatentShape,
    };

    private static string RowsKey(IReadOnlyList<int> rows) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(',', rows))));

    /// <summary>Builds and writes one shard holding the given rows (ascending) of the manifest, copied from their shards.</summary>
    private async Task<WrittenShard> CopyRowsAsync(IndexManifest manifest, IReadOnlyList<int> rows, CancellationToken cancellationToken)
    {
        EmbeddingStorageType storageType = ManifestRules.ParseStorageType(manifest.StorageType, ManifestRules.ManifestName(_index));
        int rowBytes = manifest.Dimension * EmbeddingMatrixBuilder.BytesPerValue(storageType);
        byte[] embeddings = new byte[(long)rows.Count * rowBytes];
        var latentParts = new List<ReadOnlyMemory<byte>>();
        var entries = new List<ManifestEntry>(rows.Count);

        int shardIndex = 0;
        ReadOnlyMemory<byte> shardEmbeddings = default;
        ReadOnlyMemory<byte> shardLatents = default;
        long[] latentOffsets = [];
        for (int i = 0; i < rows.Count; i++)
        {
            int row = rows[i];
            ManifestShard shard = manifest.Shards[shardIndex];
            bool entered = i == 0;
            while (row >= shard.FirstEntry + shard.EntryCount)
            {
                shard = manifest.Shards[++shardIndex];
                entered = true;
            }

            if (entered)
            {
                shardEmbeddings = await ReadAsync(shard.Embeddings, cancellationToken).ConfigureAwait(false);
                shardLatents = shard.Latents is null ? default : await ReadAsync(shard.Latents, cancellationToken).ConfigureAwait(false);
                latentOffsets = LatentOffsets(manifest.Entries, shard);
            }

            int local = row - shard.FirstEntry;
            shardEmbeddings.Span.Slice(local * rowBytes, rowBytes).CopyTo(embeddings.AsSpan(i * rowBytes));
            ManifestEntry entry = manifest.Entries[row];
            if (entry.LatentShape is { } shape)
            {
                int length = checked((int)(IndexEntryRules.LatentLength(shape) * sizeof(float)));
                latentParts.Add(shardLatents.Slice(checked((int)latentOffsets[local]), length));
            }

            entries.Add(entry);
        }

        byte[]? latents = null;
        if (latentParts.Count > 0)
        {
            latents = new byte[latentParts.Sum(p => (long)p.Length)];
            int offset = 0;
            foreach (ReadOnlyMemory<byte> part in latentParts)
            {
                part.Span.CopyTo(latents.AsSpan(offset));
                offset += part.Length;
            }
        }

        return await WriteShardAsync(entries, embeddings, latents, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Byte offset of each of the shard's entries in its latent blob (entries without a latent take no space).</summary>
    private static long[] LatentOffsets(List<ManifestEntry> entries, ManifestShard shard)
    {
        long[] offsets = new long[shard.EntryCount];
        long offset = 0;
        for (int i = 0; i < shard.EntryCount; i++)
        {
            offsets[i] = offset;
            if (entries[shard.FirstEntry + i].LatentShape is { } shape)
            {
                offset += IndexEntryRules.LatentLength(shape) * sizeof(float);
            }
        }

        return offsets;
    }

    private async Task<ReadOnlyMemory<byte>> ReadAsync(ShardBlob blob, CancellationToken cancellationToken)
    {
        if (!_readBlobs.TryGetValue(blob.Name, out ReadOnlyMemory<byte> content))
        {
            content = await ShardReader.ReadVerifiedAsync(_store, _container, _index, blob, cancellationToken).ConfigureAwait(false);
            _readBlobs[blob.Name] = content;
        }

        return content;
    }

    /// <summary>Writes a shard's blobs under a new unique id; they are immutable from then on.</summary>
    private async Task<WrittenShard> WriteShardAsync(
        List<ManifestEntry> entries,
        byte[] embeddings,
        byte[]? latents,
        CancellationToken cancellationToken)
    {
        string shardId = $"{_time.GetUtcNow():yyyyMMdd'T'HHmmssfff}-{Guid.NewGuid():N}";
        ShardBlob embeddingBlob = await WriteBlobAsync(ManifestRules.EmbeddingShardName(_index, shardId), embeddings, cancellationToken).ConfigureAwait(false);
        ShardBlob? latentBlob = latents is null
            ? null
            : await WriteBlobAsync(ManifestRules.LatentShardName(_index, shardId), latents, cancellationToken).ConfigureAwait(false);
        var shard = new ManifestShard { Id = shardId, FirstEntry = 0, EntryCount = entries.Count, Embeddings = embeddingBlob, Latents = latentBlob };
        return new WrittenShard(shard, entries);
    }

    private async Task<ShardBlob> WriteBlobAsync(string name, byte[] content, CancellationToken cancellationToken)
    {
        // A fresh unique name: "already exists" can only be this call's own earlier attempt (a retried request).
        await _store.WriteIfAbsentAsync(_container, name, content, ShardContentType, metadata: null, cancellationToken).ConfigureAwait(false);
        return new ShardBlob { Name = name, Length = content.Length, Sha256 = ShardReader.Sha256Hex(content) };
    }
}
