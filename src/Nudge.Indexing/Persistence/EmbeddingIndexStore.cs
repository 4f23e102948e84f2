using System.Runtime.InteropServices;
using System.Text.Json;
using System.Globalization;
using Azure;
using Nudge.Indexing.Approximate;
using Nudge.Storage;

namespace Nudge.Indexing.Persistence;

/// <summary>
/// Loads, updates and deletes named embedding indices (<c>undesired</c>, <c>desired</c>, ...) kept in an
/// <see cref="IObjectStore"/>. Safe to use from several processes at once.
/// </summary>
/// <remarks>
/// <para>
/// An index is <c>{name}/manifest.json</c> plus immutable shard blobs <c>{name}/shards/{id}.bin</c> (row-major
/// embeddings, float32 or float16, little-endian) and <c>{name}/shards/{id}.latents.bin</c> (float32 VAE latents).
/// The manifest lists the entries in row order, the shards covering them and each blob's SHA-256.
/// </para>
/// <para>
/// Updates write their new shards first, under fresh unique names, then commit by replacing the manifest
/// conditionally on the ETag they read (or creating it if absent). A writer that loses the race reads the new
/// manifest and applies its change again (bounded retries with jittered backoff), so concurrent updates from
/// several processes lose nothing, and a crash leaves either the old or the new manifest, never a mix.
/// Shards of failed or superseded updates stay behind until <see cref="CompactAsync"/> collects them.
/// </para>
/// <para>
/// A large index may also have a proximity graph, <c>{name}/graphs/g{generation}-{hash}.usearch</c>, built by
/// <see cref="BuildGraphAsync"/> for one manifest and named by a hash of that manifest's shards. A snapshot only ever
/// loads the graph of its own manifest, so a graph never answers for rows it was not built over; after an update the
/// new generation is searched exactly until its graph is built.
/// </para>
/// </remarks>
public sealed class EmbeddingIndexStore
{
    private const string ManifestContentType = "application/json";
    private const int LoadParallelism = 4;

    private readonly IObjectStore _store;
    private readonly EmbeddingStorageType _newIndexStorageType;
    private readonly bool _replaceExistingIds;
    private readonly int _maxEntriesPerShard;
    private readonly int _maxCommitAttempts;
    private readonly TimeSpan _commitRetryDelay;
    private readonly TimeSpan _orphanGracePeriod;
    private readonly TimeProvider _time;
    private readonly ApproximateSearchOptions _approximate;

    /// <summary>Creates a store of indices in <paramref name="store"/>.</summary>
    /// <param name="store">Where the indices live.</param>
    /// <param name="options">Configuration; <see langword="null"/> for the defaults. Values are copied.</param>
    public EmbeddingIndexStore(IObjectStore store, EmbeddingIndexStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Index shards are little-endian; this platform is big-endian.");
        }

        options ??= new EmbeddingIndexStoreOptions();
        StorageNames.ValidateContainerName(options.Container, nameof(options));
        ArgumentNullException.ThrowIfNull(options.ApproximateSearch, nameof(options));
        options.ApproximateSearch.Validate(nameof(options));
        if (!Enum.IsDefined(options.StorageType) || options.MaxEntriesPerShard <= 0 || options.MaxCommitAttempts <= 0 ||
            options.CommitRetryDelay < TimeSpan.Zero || options.OrphanGracePeriod < TimeSpan.Zero || options.TimeProvider is null)
        {
            throw new ArgumentException(
                "EmbeddingIndexStoreOptions: StorageType must be defined, MaxEntriesPerShard and MaxCommitAttempts positive, delays non-negative, TimeProvider set.",
                nameof(options));
        }

        _store = store;
        Container = options.Container;
        _newIndexStorageType = options.StorageType;
        _replaceExistingIds = options.ReplaceExistingIds;
        _maxEntriesPerShard = options.MaxEntriesPerShard;
        _maxCommitAttempts = options.MaxCommitAttempts;
        _commitRetryDelay = options.CommitRetryDelay;
        _orphanGracePeriod = options.OrphanGracePeriod;
        _time = options.TimeProvider;
        _approximate = options.ApproximateSearch.Clone();
    }

    /// <summary>The container holding the indices.</summary>
    public string Container { get; }

    /// <summary>
    /// Loads a consistent snapshot of an index (the manifest read and every shard it references, each checked
    /// against its recorded length and SHA-256).
    /// </summary>
    /// <param name="name">The index name.</param>
    /// <param name="options">Load options; <see langword="null"/> for the defaults (latents included, missing index = empty).</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The index; empty with <see cref="EmbeddingIndex.Exists"/> = <see langword="false"/> when it does not exist.</returns>
    /// <exception cref="IndexNotFoundException">The index does not exist and <see cref="IndexLoadOptions.RequireExists"/> is set.</exception>
    /// <exception cref="InvalidDataException">The manifest is invalid, or a shard is missing or corrupt (the message names the blob).</exception>
    public async Task<EmbeddingIndex> LoadAsync(string name, IndexLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        options ??= new IndexLoadOptions();
        ManifestSnapshot? snapshot = await ReadManifestAsync(name, cancellationToken).ConfigureAwait(false);
        if (snapshot is null)
        {
            return options.RequireExists
                ? throw new IndexNotFoundException(name, $"{Container}/{ManifestRules.ManifestName(name)}")
                : new EmbeddingIndex(name, exists: false, dimension: 0, _newIndexStorageType, [], null, [], generation: 0, etag: null);
        }

        return await LoadSnapshotAsync(name, snapshot, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rows (and, when wanted and built, the graph) of the manifest already read.</summary>
    private async Task<EmbeddingIndex> LoadSnapshotAsync(string name, ManifestSnapshot snapshot, IndexLoadOptions options, CancellationToken cancellationToken)
    {
        IndexManifest manifest = snapshot.Manifest;
        string location = $"{Container}/{ManifestRules.ManifestName(name)}";
        EmbeddingStorageType storageType = ManifestRules.ParseStorageType(manifest.StorageType, location);
        var matrix = new EmbeddingMatrixBuilder(storageType, manifest.Count, manifest.Dimension);
        var rows = new IndexEntry[manifest.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            ManifestEntry entry = manifest.Entries[i];
            rows[i] = new IndexEntry
            {
                Id = entry.Id,
                Kind = ManifestRules.ParseKind(entry.Kind, location),
                Embedding = [],
                Source = entry.Source,
                Caption = entry.Caption,
                Threshold = entry.Threshold,
                TriggerWords = entry.TriggerWords ?? [],
                AddedAt = entry.AddedAt,
                LatentShape = entry.LatentShape,
            };
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = LoadParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(manifest.Shards, parallel, async (shard, token) =>
        {
            ReadOnlyMemory<byte> embeddings = await ShardReader.ReadVerifiedAsync(_store, Container, name, shard.Embeddings, token).ConfigureAwait(false);
            matrix.CopyRows(shard.FirstEntry, embeddings.Span);

            if (options.IncludeLatents && shard.Latents is not null)
            {
                ReadOnlyMemory<byte> latents = await ShardReader.ReadVerifiedAsync(_store, Container, name, shard.Latents, token).ConfigureAwait(false);
                int offset = 0;
                for (int row = shard.FirstEntry; row < shard.FirstEntry + shard.EntryCount; row++)
                {
                    if (rows[row].LatentShape is { } shape)
                    {
                        int length = checked((int)IndexEntryRules.LatentLength(shape));
                        float[] latent = MemoryMarshal.Cast<byte, float>(latents.Span.Slice(offset, length * sizeof(float))).ToArray();
                        rows[row] = rows[row] with { Latent = latent };
                        offset += length * sizeof(float);
                    }
                }
            }
        }).ConfigureAwait(false);

        var index = new EmbeddingIndex(name, exists: true, manifest.Dimension, storageType, matrix.Singles, matrix.Halves, rows, manifest.Generation, snapshot.ETag);
        if (options.UseGraph && manifest.Count >= _approximate.MinEntries)
        {
            ProximityGraph? graph = await LoadGraphAsync(name, manifest, options.GraphSearch, cancellationToken).ConfigureAwait(false);
            if (graph is not null)
            {
                return index.WithGraph(graph);
            }
        }

        return index;
    }

    /// <summary>
    /// Builds and stores the proximity graph of an index's current manifest when it has at least
    /// <see cref="ApproximateSearchOptions.MinEntries"/> entries (write-if-absent, so concurrent builders store one graph).
    /// Loads of that manifest then search approximately, re-ranked exactly. Building is CPU-heavy (minutes per million rows).
    /// </summary>
    /// <param name="name">The index name.</param>
    /// <param name="progress">Receives the rows inserted so far and the rows in all, about every 1%.</param>
    /// <param name="cancellationToken">Cancels the build (nothing is stored).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="IndexNotFoundException">The index does not exist.</exception>
    public async Task<GraphBuildResult> BuildGraphAsync(string name, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        ManifestSnapshot snapshot = await ReadManifestAsync(name, cancellationToken).ConfigureAwait(false)
            ?? throw new IndexNotFoundException(name, $"{Container}/{ManifestRules.ManifestName(name)}");
        IndexManifest manifest = snapshot.Manifest;
        if (manifest.Count < _approximate.MinEntries)
        {
            return new GraphBuildResult(name, manifest.Generation, manifest.Count, "below-threshold", null, 0, TimeSpan.Zero, 0);
        }

        string graphName = ManifestRules.GraphName(name, manifest);
        try
        {
            ObjectProperties existing = await _store.GetPropertiesAsync(Container, graphName, cancellationToken).ConfigureAwait(false);
            return new GraphBuildResult(name, manifest.Generation, manifest.Count, "exists", graphName, existing.Length, TimeSpan.Zero,
                MetadataInt(existing.Metadata, "partitions", 1, $"{Container}/{graphName}"));
        }
        catch (ObjectNotFoundException)
        {
        }

        // The rows of the manifest just read, which the graph's name was derived from.
        EmbeddingIndex index = await LoadSnapshotAsync(name, snapshot, new IndexLoadOptions { IncludeLatents = false, UseGraph = false }, cancellationToken).ConfigureAwait(false);

        using ProximityGraph graph = ProximityGraph.Build(index, _approximate, progress is null ? null : new RowProgress(progress, index.Count), cancellationToken);
        byte[] saved = graph.Save();
        var metadata = new Dictionary<string, string>
        {
            ["generation"] = manifest.Generation.ToString(CultureInfo.InvariantCulture),
            ["count"] = manifest.Count.ToString(CultureInfo.InvariantCulture),
            ["connectivity"] = _approximate.Connectivity.ToString(CultureInfo.InvariantCulture),
            ["expansionadd"] = _approximate.ExpansionAdd.ToString(CultureInfo.InvariantCulture),
            ["expansionsearch"] = _approximate.ExpansionSearch.ToString(CultureInfo.InvariantCulture),
            ["candidatesperhit"] = _approximate.CandidatesPerHit.ToString(CultureInfo.InvariantCulture),
            ["quantization"] = _approximate.Quantization.ToString(),
            ["partitions"] = graph.PartitionCount.ToString(CultureInfo.InvariantCulture),
            ["usearch"] = ProximityGraph.LibraryVersion,
        };
        bool written = await _store.WriteIfAbsentAsync(Container, graphName, saved, "application/octet-stream", metadata, cancellationToken).ConfigureAwait(false);
        return new GraphBuildResult(name, manifest.Generation, manifest.Count, written ? "built" : "exists", graphName, saved.Length, graph.BuildTime, graph.PartitionCount);
    }

    /// <summary>
    /// Adds entries to an index, creating it if needed. Embeddings are stored L2-normalized; all must have the
    /// index's dimension. The change is committed atomically, retrying if other writers commit first.
    /// </summary>
    /// <param name="name">The index name.</param>
    /// <param name="entries">The entries; ids must be unique in the batch.</param>
    /// <param name="cancellationToken">Cancels the update (before the commit, nothing becomes visible).</param>
    /// <returns>The committed generation and counts.</returns>
    /// <exception cref="ArgumentException">
    /// An entry is invalid, its dimension differs from the index's, or its id is already in the index and
    /// <see cref="EmbeddingIndexStoreOptions.ReplaceExistingIds"/> is not set.
    /// </exception>
    /// <exception cref="PreconditionFailedException">Other writers kept winning for <see cref="EmbeddingIndexStoreOptions.MaxCommitAttempts"/> attempts.</exception>
    public async Task<IndexUpdateResult> AddAsync(string name, IEnumerable<IndexEntry> entries, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        List<IndexEntry> batch = IndexEntryRules.PrepareBatch(entries, _time.GetUtcNow(), nameof(entries));
        if (batch.Count == 0)
        {
            ManifestSnapshot? unchanged = await ReadManifestAsync(name, cancellationToken).ConfigureAwait(false);
            return new IndexUpdateResult(name, unchanged?.Manifest.Generation ?? 0, unchanged?.Manifest.Count ?? 0, 0, 0);
        }

        int dimension = batch[0].Embedding.Length;
        var session = NewSession(name);
        int removed = 0;
        IndexManifest? committed = await UpdateAsync(name, async current =>
        {
            if (current is { Dimension: > 0 } && current.Dimension != dimension)
            {
                throw new ArgumentException($"Index '{name}' has dimension {current.Dimension}; the new entries have {dimension}.", nameof(entries));
            }

            EmbeddingStorageType storageType = current is null
                ? _newIndexStorageType
                : ManifestRules.ParseStorageType(current.StorageType, ManifestRules.ManifestName(name));
            HashSet<string> existing = current?.Entries.Select(e => e.Id).ToHashSet(StringComparer.Ordinal) ?? [];
            var replaced = batch.Select(e => e.Id).Where(existing.Contains).ToHashSet(StringComparer.Ordinal);
            if (replaced.Count > 0 && !_replaceExistingIds)
            {
                throw new ArgumentException(
                    $"Index '{name}' already contains {replaced.Count} of the ids being added ({Preview(replaced)}); " +
                    "remove them first, or set EmbeddingIndexStoreOptions.ReplaceExistingIds to replace them.",
                    nameof(entries));
            }

            (List<ManifestEntry> kept, List<ManifestShard> shards) = current is null
                ? ([], [])
                : await session.RemoveEntriesAsync(current, replaced, cancellationToken).ConfigureAwait(false);
            removed = replaced.Count;
            IReadOnlyList<WrittenShard> added = await session.WriteNewEntriesAsync(batch, storageType, cancellationToken).ConfigureAwait(false);
            IndexUpdateSession.Append(kept, shards, added);
            return NextManifest(name, current, storageType, dimension, kept, shards);
        }, cancellationToken).ConfigureAwait(false);

        return new IndexUpdateResult(name, committed!.Generation, committed.Count, batch.Count, removed);
    }

    /// <summary>Removes entries by id (ids not in the index are ignored), committed atomically like <see cref="AddAsync"/>.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="ids">The ids to remove.</param>
    /// <param name="cancellationToken">Cancels the update.</param>
    /// <returns>The committed generation and counts (unchanged generation when nothing was removed).</returns>
    public async Task<IndexUpdateResult> RemoveAsync(string name, IEnumerable<string> ids, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        ArgumentNullException.ThrowIfNull(ids);
        var idSet = ids.Where(id => id is not null).ToHashSet(StringComparer.Ordinal);
        var session = NewSession(name);
        int removed = 0;
        IndexManifest? result = await UpdateAsync(name, async current =>
        {
            removed = current?.Entries.Count(e => idSet.Contains(e.Id)) ?? 0;
            if (current is null || removed == 0)
            {
                return null;
            }

            (List<ManifestEntry> kept, List<ManifestShard> shards) = await session.RemoveEntriesAsync(current, idSet, cancellationToken).ConfigureAwait(false);
            EmbeddingStorageType storageType = ManifestRules.ParseStorageType(current.StorageType, ManifestRules.ManifestName(name));
            return NextManifest(name, current, storageType, current.Dimension, kept, shards);
        }, cancellationToken).ConfigureAwait(false);

        return new IndexUpdateResult(name, result?.Generation ?? 0, result?.Count ?? 0, 0, removed);
    }

    /// <summary>
    /// Rewrites an index's rows into as few shards as possible (one, up to <see cref="EmbeddingIndexStoreOptions.MaxEntriesPerShard"/>
    /// entries), commits that, then deletes shard blobs no manifest references that are older than
    /// <see cref="EmbeddingIndexStoreOptions.OrphanGracePeriod"/> (left by crashed, failed or superseded updates).
    /// </summary>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels the compaction.</param>
    /// <returns>The resulting generation, shard count and number of deleted blobs.</returns>
    public async Task<IndexCompactionResult> CompactAsync(string name, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        var session = NewSession(name);
        await UpdateAsync(name, async current =>
        {
            if (current is null || current.Shards.Count <= Math.Max(1, (current.Count + _maxEntriesPerShard - 1) / _maxEntriesPerShard))
            {
                return null;
            }

            IReadOnlyList<WrittenShard> rewritten = await session.RewriteAllAsync(current, cancellationToken).ConfigureAwait(false);
            var entries = new List<ManifestEntry>(current.Count);
            var shards = new List<ManifestShard>(rewritten.Count);
            IndexUpdateSession.Append(entries, shards, rewritten);
            EmbeddingStorageType storageType = ManifestRules.ParseStorageType(current.StorageType, ManifestRules.ManifestName(name));
            return NextManifest(name, current, storageType, current.Dimension, entries, shards);
        }, cancellationToken).ConfigureAwait(false);

        // Collect against the latest manifest, whoever committed it.
        IndexManifest? latest = (await ReadManifestAsync(name, cancellationToken).ConfigureAwait(false))?.Manifest;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        if (latest is not null)
        {
            referenced.Add(ManifestRules.GraphName(name, latest));
        }

        foreach (ManifestShard shard in latest?.Shards ?? [])
        {
            referenced.Add(shard.Embeddings.Name);
            if (shard.Latents is not null)
            {
                referenced.Add(shard.Latents.Name);
            }
        }

        DateTimeOffset cutoff = _time.GetUtcNow() - _orphanGracePeriod;
        var orphans = new List<string>();
        foreach (string prefix in new[] { ManifestRules.ShardsPrefix(name), ManifestRules.GraphsPrefix(name) })
        {
            await foreach (ObjectProperties blob in _store.ListAsync(Container, prefix, cancellationToken).ConfigureAwait(false))
            {
                if (!referenced.Contains(blob.Name) && blob.LastModified <= cutoff)
                {
                    orphans.Add(blob.Name);
                }
            }
        }

        int deleted = 0;
        foreach (string orphan in orphans)
        {
            if (await _store.DeleteAsync(Container, orphan, ifMatch: null, cancellationToken).ConfigureAwait(false))
            {
                deleted++;
            }
        }

        return new IndexCompactionResult(name, latest?.Generation ?? 0, latest?.Shards.Count ?? 0, deleted);
    }

    /// <summary>The names of the indices in the container (those with a manifest), in ordinal order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>The index names.</returns>
    public async Task<IReadOnlyList<string>> ListNamesAsync(CancellationToken cancellationToken = default)
    {
        const string suffix = "/" + ManifestRules.ManifestFileName;
        var names = new List<string>();
        await foreach (ObjectProperties blob in _store.ListAsync(Container, prefix: null, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith(suffix, StringComparison.Ordinal))
            {
                string name = blob.Name[..^suffix.Length];
                if (!name.Contains('/'))
                {
                    names.Add(name);
                }
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Deletes an index: its manifest first (from then on it does not exist), then all its blobs.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="cancellationToken">Cancels the deletion.</param>
    /// <returns><see langword="true"/> when the index existed.</returns>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        IndexNames.Validate(name);
        bool existed = await _store.DeleteAsync(Container, ManifestRules.ManifestName(name), ifMatch: null, cancellationToken).ConfigureAwait(false);
        var blobs = new List<string>();
        await foreach (ObjectProperties blob in _store.ListAsync(Container, name + "/", cancellationToken).ConfigureAwait(false))
        {
            blobs.Add(blob.Name);
        }

        foreach (string blob in blobs)
        {
            await _store.DeleteAsync(Container, blob, ifMatch: null, cancellationToken).ConfigureAwait(false);
        }

        return existed;
    }


    private static int MetadataInt(IReadOnlyDictionary<string, string> metadata, string key, int fallback, string location) =>
        !metadata.TryGetValue(key, out string? text) ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) && value > 0 ? value
        : throw new InvalidDataException($"Proximity graph '{location}' has an invalid '{key}' ('{text}').");

    /// <summary>The stored graph of <paramref name="manifest"/>, or null when none was built.</summary>
    private async Task<ProximityGraph?> LoadGraphAsync(string name, IndexManifest manifest, ApproximateSearchOptions? search, CancellationToken cancellationToken)
    {
        string graphName = ManifestRules.GraphName(name, manifest);
        string location = $"{Container}/{graphName}";
        StoredObject stored;
        try
        {
            stored = await _store.ReadAsync(Container, graphName, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        ApproximateSearchOptions options = _approximate.Clone();
        options.Connectivity = MetadataInt(stored.Metadata, "connectivity", options.Connectivity, location);
        options.ExpansionAdd = MetadataInt(stored.Metadata, "expansionadd", options.ExpansionAdd, location);
        options.ExpansionSearch = search?.ExpansionSearch ?? MetadataInt(stored.Metadata, "expansionsearch", options.ExpansionSearch, location);
        options.CandidatesPerHit = search?.CandidatesPerHit ?? MetadataInt(stored.Metadata, "candidatesperhit", options.CandidatesPerHit, location);
        if (stored.Metadata.TryGetValue("quantization", out string? quantization) && Enum.TryParse(quantization, out GraphQuantization q))
        {
            options.Quantization = q;
        }

        return ProximityGraph.Load(stored.Content, manifest.Count, manifest.Dimension, options, location);
    }

    private static string Preview(IEnumerable<string> ids)
    {
        string[] first = ids.Take(5).ToArray();
        return string.Join(", ", first.Select(id => $"'{id}'")) + (ids.Count() > first.Length ? ", ..." : string.Empty);
    }

    private IndexUpdateSession NewSession(string name) => new(_store, Container, name, _maxEntriesPerShard, _time);

    private IndexManifest NextManifest(
        string name,
        IndexManifest? current,
        EmbeddingStorageType storageType,
        int dimension,
        List<ManifestEntry> entries,
        List<ManifestShard> shards) => new()
        {
            Name = name,
            Generation = (current?.Generation ?? 0) + 1,
            Dimension = dimension,
            StorageType = ManifestRules.Format(storageType),
            Count = entries.Count,
            UpdatedAt = _time.GetUtcNow(),
            Entries = entries,
            Shards = shards,
        };

    private async Task<ManifestSnapshot?> ReadManifestAsync(string name, CancellationToken cancellationToken)
    {
        string manifestName = ManifestRules.ManifestName(name);
        string location = $"{Container}/{manifestName}";
        StoredObject stored;
        try
        {
            stored = await _store.ReadAsync(Container, manifestName, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectNotFoundException)
        {
            return null;
        }

        IndexManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(stored.Content.Span, IndexManifestJsonContext.Default.IndexManifest);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Manifest '{location}' of index '{name}' is not a valid manifest: {ex.Message}", ex);
        }

        if (manifest is null)
        {
            throw new InvalidDataException($"Manifest '{location}' of index '{name}' is empty (JSON null).");
        }

        ManifestRules.Validate(manifest, name, location);
        return new ManifestSnapshot(manifest, stored.ETag);
    }

    /// <summary>
    /// The optimistic commit loop: read the manifest, let <paramref name="change"/> build the next one (or return
    /// null for "nothing to do"), and commit it only if the manifest is still the one read; otherwise back off
    /// and start again from the newer manifest.
    /// </summary>
    private async Task<IndexManifest?> UpdateAsync(
        string name,
        Func<IndexManifest?, Task<IndexManifest?>> change,
        CancellationToken cancellationToken)
    {
        string manifestName = ManifestRules.ManifestName(name);
        for (int attempt = 1; ; attempt++)
        {
            ManifestSnapshot? current = await ReadManifestAsync(name, cancellationToken).ConfigureAwait(false);
            IndexManifest? next = await change(current?.Manifest).ConfigureAwait(false);
            if (next is null)
            {
                return current?.Manifest;
            }

            byte[] json = JsonSerializer.SerializeToUtf8Bytes(next, IndexManifestJsonContext.Default.IndexManifest);
            PreconditionFailedException? conflict = null;
            if (current is null)
            {
                if (await _store.WriteIfAbsentAsync(Container, manifestName, json, ManifestContentType, metadata: null, cancellationToken).ConfigureAwait(false))
                {
                    return next;
                }
            }
            else
            {
                try
                {
                    await _store.WriteAsync(Container, manifestName, json, ManifestContentType, metadata: null, current.ETag, cancellationToken).ConfigureAwait(false);
                    return next;
                }
                catch (PreconditionFailedException ex)
                {
                    conflict = ex;
                }
            }

            if (attempt >= _maxCommitAttempts)
            {
                throw new PreconditionFailedException(
                    Container, manifestName, $"index '{name}' was changed by other writers during each of {attempt} update attempts; giving up.", conflict);
            }

            await Task.Delay(RetryDelay(attempt), cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan RetryDelay(int attempt)
    {
        double ceilingMs = Math.Min(1000, _commitRetryDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 10)));
        return TimeSpan.FromMilliseconds(ceilingMs * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private sealed record ManifestSnapshot(IndexManifest Manifest, ETag ETag);

    private sealed class RowProgress(IProgress<(int Done, int Total)> target, int total) : IProgress<int>
    {
        public void Report(int value) => target.Report((value, total));
    }
}
