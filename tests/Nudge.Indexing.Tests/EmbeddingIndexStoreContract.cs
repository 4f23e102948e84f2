using System.Text;
using Nudge.Indexing.Persistence;
using Nudge.Indexing.Tests.Support;
using Nudge.Storage;

namespace Nudge.Indexing.Tests;

/// <summary>
/// How an <see cref="EmbeddingIndexStore"/> behaves over any <see cref="IObjectStore"/>; run over a local folder
/// and over Blob Storage. Each test has its own container.
/// </summary>
public abstract class EmbeddingIndexStoreContract : IAsyncLifetime
{
    protected string ContainerPrefix { get; } = $"t{Guid.NewGuid():N}"[..16];

    protected string Container => $"{ContainerPrefix}-indices";

    public static TheoryData<EmbeddingStorageType> StorageTypes => [EmbeddingStorageType.Float32, EmbeddingStorageType.Float16];

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Added_entries_are_found_by_search_and_removed_entries_are_not()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();
        float[][] vectors = TestVectors.Gaussian(seed: 1, count: 20, dimension: 16);

        IndexUpdateResult added = await store.AddAsync("undesired", TestVectors.TextEntries("c", vectors));
        EmbeddingIndex afterAdd = await store.LoadAsync("undesired");
        IndexUpdateResult removed = await store.RemoveAsync("undesired", ["c3", "c7", "not-there"]);
        EmbeddingIndex afterRemove = await store.LoadAsync("undesired");

        Assert.Equal(new IndexUpdateResult("undesired", 1, 20, 20, 0), added);
        Assert.True(afterAdd.Exists);
        Assert.Equal(20, afterAdd.Count);
        Assert.Equal(16, afterAdd.Dimension);
        SearchHit best = afterAdd.Search(vectors[3], 1)[0];
        Assert.Equal(("c3", 3), (best.Id, best.Row));
        Assert.Equal(1f, best.Similarity, 1e-5f);

        Assert.Equal(new IndexUpdateResult("undesired", 2, 18, 0, 2), removed);
        Assert.Equal(18, afterRemove.Count);
        Assert.False(afterRemove.Contains("c3"));
        Assert.False(afterRemove.Contains("c7"));
        Assert.DoesNotContain(afterRemove.Search(vectors[3], 18), hit => hit.Id is "c3" or "c7");
        Assert.Equal("c4", afterRemove.Search(vectors[4], 1)[0].Id);
        Assert.Equal(
            Enumerable.Range(0, 20).Where(i => i is not 3 and not 7).Select(i => $"c{i}"),
            afterRemove.Entries.Select(e => e.Id));
    }

    [Theory]
    [MemberData(nameof(StorageTypes))]
    public async Task Top_k_after_a_round_trip_through_storage_matches_a_brute_force_reference(EmbeddingStorageType storageType)
    {
        const int count = 5000;
        const int dimension = 64;
        EmbeddingIndexStore store = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions { Container = Container, StorageType = storageType });
        IndexEntry[] entries = TestVectors.TextEntries("e", TestVectors.Gaussian(seed: 42, count, dimension));
        float[][] queries = TestVectors.Gaussian(seed: 7, count: 40, dimension);
        await store.AddAsync("reference", entries.Take(2000));
        await store.AddAsync("reference", entries.Skip(2000));

        EmbeddingIndex index = await store.LoadAsync("reference");

        Assert.Equal(storageType, index.StorageType);
        Assert.Equal(count, index.Count);
        foreach (int k in new[] { 1, 10, 100 })
        {
            int found = 0;
            foreach (float[] query in queries)
            {
                (string Id, double Similarity)[] expected = TestVectors.BruteForceTopK(entries, query, k);
                IReadOnlyList<SearchHit> actual = index.Search(query, k);

                Assert.Equal(k, actual.Count);
                Assert.True(actual.Zip(actual.Skip(1)).All(p => p.First.Similarity >= p.Second.Similarity), "hits are not sorted by similarity");
                found += actual.Select(h => h.Id).Intersect(expected.Select(e => e.Id)).Count();
                if (storageType == EmbeddingStorageType.Float32)
                {
                    AssertSameRanking(expected, actual, tolerance: 1e-5);
                }
            }

            double recall = found / (double)(k * queries.Length);
            if (storageType == EmbeddingStorageType.Float32)
            {
                Assert.Equal(1.0, recall);
            }
            else
            {
                Assert.True(recall >= 0.99, $"float16 recall@{k} is {recall:F4}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(StorageTypes))]
    public async Task Every_entry_field_round_trips(EmbeddingStorageType storageType)
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions { Container = Container, StorageType = storageType });
        var addedAt = new DateTimeOffset(2026, 11, 28, 10, 15, 30, 123, TimeSpan.FromHours(1)).AddTicks(4567);
        float[] latent = Enumerable.Range(0, 4 * 8 * 8).Select(i => (i * 0.37f) - 11f).ToArray();
        IndexEntry image = new()
        {
            Id = "img/mona-lisa#1",
            Kind = IndexEntryKind.Image,
            Embedding = [3, 4, 0, 0],
            Caption = "a painting of a woman, \"sfumato\" — ünïcode",
            Latent = latent,
            LatentShape = [4, 8, 8],
            Threshold = 0.8125f,
            TriggerWords = ["the", "gioconda", "painting", "of"],
            Source = "https://example.org/mona.jpg",
            AddedAt = addedAt,
        };
        IndexEntry text = new() { Id = "concept:van gogh", Kind = IndexEntryKind.Text, Embedding = [0, 0, 1, 1], Source = "user:alice" };

        DateTimeOffset before = DateTimeOffset.UtcNow;
        await store.AddAsync("desired", [image, text]);
        EmbeddingIndex loaded = await store.LoadAsync("desired");
        EmbeddingIndex withoutLatents = await store.LoadAsync("desired", new IndexLoadOptions { IncludeLatents = false });

        IndexEntry loadedImage = loaded.Entries[0];
        Assert.Equal(image.Id, loadedImage.Id);
        Assert.Equal(IndexEntryKind.Image, loadedImage.Kind);
        Assert.Equal(image.Caption, loadedImage.Caption);
        Assert.Equal(latent, loadedImage.Latent);
        Assert.Equal([4, 8, 8], loadedImage.LatentShape!);
        Assert.Equal(0.8125f, loadedImage.Threshold);
        Assert.Equal(["the", "gioconda", "painting", "of"], loadedImage.TriggerWords);
        Assert.Equal(image.Source, loadedImage.Source);
        Assert.Equal(addedAt, loadedImage.AddedAt);
        Assert.Equal(addedAt.Offset, loadedImage.AddedAt.Offset);
        Assert.Equal([0.6f, 0.8f, 0f, 0f], loadedImage.Embedding, (a, b) => Math.Abs(a - b) < 1e-3f);

        IndexEntry loadedText = loaded.Entries[1];
        Assert.Equal(("concept:van gogh", IndexEntryKind.Text, "user:alice"), (loadedText.Id, loadedText.Kind, loadedText.Source));
        Assert.Null(loadedText.Caption);
        Assert.Null(loadedText.Latent);
        Assert.Null(loadedText.LatentShape);
        Assert.Null(loadedText.Threshold);
        Assert.Empty(loadedText.TriggerWords);
        Assert.InRange(loadedText.AddedAt, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));

        Assert.Null(withoutLatents.Entries[0].Latent);
        Assert.Equal([4, 8, 8], withoutLatents.Entries[0].LatentShape!);
        Assert.Equal(image.Caption, withoutLatents.Entries[0].Caption);
    }

    [Fact]
    public async Task Removing_entries_keeps_the_latents_of_their_neighbours_in_the_same_shard()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();
        IndexEntry[] images = Enumerable.Range(0, 5).Select(i => new IndexEntry
        {
            Id = $"img{i}",
            Kind = IndexEntryKind.Image,
            Embedding = TestVectors.Gaussian(seed: i, count: 1, dimension: 8)[0],
            Latent = i == 2 ? null : Enumerable.Range(0, (i + 1) * 6).Select(v => (float)((i * 100) + v)).ToArray(),
            LatentShape = i == 2 ? null : [i + 1, 2, 3],
            Source = $"test://img{i}",
        }).ToArray();
        await store.AddAsync("undesired", images);

        await store.RemoveAsync("undesired", ["img1"]);
        EmbeddingIndex index = await store.LoadAsync("undesired");

        Assert.Equal(["img0", "img2", "img3", "img4"], index.Entries.Select(e => e.Id));
        foreach (IndexEntry entry in index.Entries)
        {
            IndexEntry original = images.Single(i => i.Id == entry.Id);
            Assert.Equal(original.Latent, entry.Latent);
            Assert.Equal(original.LatentShape, entry.LatentShape);
        }
    }

    [Fact]
    public async Task A_missing_index_loads_empty_with_exists_false_unless_it_is_required()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();

        EmbeddingIndex index = await store.LoadAsync("undesired");

        Assert.False(index.Exists);
        Assert.Equal(0, index.Count);
        Assert.Equal(0, index.Dimension);
        Assert.Empty(index.Search([1f, 2f, 3f], 5));
        var ex = await Assert.ThrowsAsync<IndexNotFoundException>(() => store.LoadAsync("undesired", new IndexLoadOptions { RequireExists = true }));
        Assert.Equal("undesired", ex.IndexName);
        Assert.Contains($"{Container}/undesired/manifest.json", ex.Message);
    }

    [Fact]
    public async Task Adding_an_existing_id_throws_and_changes_nothing_unless_replacement_is_enabled()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();
        await store.AddAsync("undesired", TestVectors.TextEntries("c", TestVectors.Gaussian(seed: 3, count: 3, dimension: 4)));
        EmbeddingIndex before = await store.LoadAsync("undesired");
        IndexEntry update = new() { Id = "c1", Kind = IndexEntryKind.Text, Embedding = [1, 0, 0, 0], Caption = "updated", Source = "v2" };

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync("undesired", [update]));
        EmbeddingIndex unchanged = await store.LoadAsync("undesired");
        EmbeddingIndexStore replacing = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions { Container = Container, ReplaceExistingIds = true });
        IndexUpdateResult result = await replacing.AddAsync("undesired", [update]);
        EmbeddingIndex replaced = await store.LoadAsync("undesired");

        Assert.Contains("'c1'", ex.Message);
        Assert.Equal(before.Generation, unchanged.Generation);
        Assert.Equal(before.ETag, unchanged.ETag);
        Assert.Equal((3, 1, 1), (result.Count, result.Added, result.Removed));
        Assert.Equal(["c0", "c2", "c1"], replaced.Entries.Select(e => e.Id));
        Assert.Equal("updated", replaced.Entries[2].Caption);
        Assert.Equal("c1", replaced.Search([1, 0, 0, 0], 1)[0].Id);
    }

    [Fact]
    public async Task Entries_with_malformed_trigger_words_are_rejected_by_id()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();
        foreach (string[] words in new[] { ["two words"], [""], Enumerable.Repeat("w", 33).ToArray() })
        {
            IndexEntry bad = new() { Id = "bad-triggers", Kind = IndexEntryKind.Image, Embedding = [1, 0, 0, 0], Source = "t", TriggerWords = words };
            var ex = await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync("undesired", [bad]));
            Assert.Contains("bad-triggers", ex.Message);
        }

        Assert.False((await store.LoadAsync("undesired")).Exists);
    }

    [Fact]
    public async Task Entries_of_another_dimension_are_rejected()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();
        await store.AddAsync("undesired", TestVectors.TextEntries("a", TestVectors.Gaussian(seed: 1, count: 2, dimension: 8)));

        var ex = await Assert.ThrowsAsync<ArgumentException>(
            () => store.AddAsync("undesired", TestVectors.TextEntries("b", TestVectors.Gaussian(seed: 1, count: 2, dimension: 9))));

        Assert.Contains("dimension 8", ex.Message);
        Assert.Equal(2, (await store.LoadAsync("undesired")).Count);
    }

    [Fact]
    public async Task A_crash_after_the_shards_are_written_but_before_the_manifest_commit_leaves_exactly_the_old_index()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var faulty = new FaultInjectingObjectStore(objects);
        var options = new EmbeddingIndexStoreOptions { Container = Container, OrphanGracePeriod = TimeSpan.Zero };
        var store = new EmbeddingIndexStore(faulty, options);
        await store.AddAsync("undesired", TestVectors.TextEntries("old", TestVectors.Gaussian(seed: 5, count: 10, dimension: 8)));
        EmbeddingIndex before = await store.LoadAsync("undesired");

        faulty.FailWritesTo = (_, name) => name.EndsWith("/manifest.json", StringComparison.Ordinal);
        faulty.Written.Clear();
        await Assert.ThrowsAsync<SimulatedCrashException>(
            () => store.AddAsync("undesired", TestVectors.TextEntries("new", TestVectors.Gaussian(seed: 6, count: 10, dimension: 8))));
        await Assert.ThrowsAsync<SimulatedCrashException>(() => store.RemoveAsync("undesired", ["old1"]));

        var recovered = new EmbeddingIndexStore(await CreateObjectStoreAsync(), options);
        EmbeddingIndex after = await recovered.LoadAsync("undesired");
        Assert.Contains(faulty.Written, name => name.Contains("/shards/", StringComparison.Ordinal));
        Assert.Equal(before.Generation, after.Generation);
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(before.Entries.Select(e => e.Id), after.Entries.Select(e => e.Id));
        for (int row = 0; row < before.Count; row++)
        {
            Assert.Equal(before.Entries[row].Embedding, after.Entries[row].Embedding);
        }

        IndexCompactionResult compaction = await recovered.CompactAsync("undesired");
        Assert.Equal(2, compaction.DeletedBlobCount);
        Assert.Equal(10, (await recovered.LoadAsync("undesired")).Count);
    }

    [Fact]
    public async Task A_built_graph_of_two_partitions_serves_loads_of_its_own_generation_only_and_compaction_collects_superseded_graphs()
    {
        var options = new EmbeddingIndexStoreOptions
        {
            Container = Container,
            OrphanGracePeriod = TimeSpan.Zero,
            ApproximateSearch = new Approximate.ApproximateSearchOptions { MinEntries = 500, Partitions = 2 },
        };
        EmbeddingIndexStore store = await NewIndexStoreAsync(options);
        float[][] vectors = TestVectors.Clustered(seed: 11, count: 610, dimension: 32, clusters: 20, spread: 0.5f);
        await store.AddAsync("undesired", TestVectors.TextEntries("c", vectors[..600]));

        GraphBuildResult built = await store.BuildGraphAsync("undesired");
        GraphBuildResult again = await store.BuildGraphAsync("undesired");
        EmbeddingIndex withGraph = await store.LoadAsync("undesired");
        EmbeddingIndex exactly = await store.LoadAsync("undesired", new IndexLoadOptions { UseGraph = false });

        Assert.Equal(("built", 1L, 600), (built.Status, built.Generation, built.Count));
        Assert.True(built.Bytes > 600 * 32);
        Assert.Equal(("exists", built.BlobName, built.Bytes), (again.Status, again.BlobName, again.Bytes));
        Assert.Equal("approximate", withGraph.SearchMethod);
        Assert.Equal(2, withGraph.Graph!.PartitionCount);
        Assert.Equal("exact", exactly.SearchMethod);
        for (int i = 0; i < 600; i += 37)
        {
            Assert.Equal($"c{i}", withGraph.Search(vectors[i], 1)[0].Id);
        }

        await store.AddAsync("undesired", TestVectors.TextEntries("n", vectors[600..]));
        EmbeddingIndex updated = await store.LoadAsync("undesired");
        Assert.Equal(("exact", 610), (updated.SearchMethod, updated.Count));
        Assert.Equal("n3", updated.Search(vectors[603], 1)[0].Id);

        GraphBuildResult rebuilt = await store.BuildGraphAsync("undesired");
        Assert.Equal(("built", 2L), (rebuilt.Status, rebuilt.Generation));
        Assert.NotEqual(built.BlobName, rebuilt.BlobName);
        Assert.Equal("approximate", (await store.LoadAsync("undesired")).SearchMethod);

        IObjectStore objects = await CreateObjectStoreAsync();
        Assert.True(await objects.ExistsAsync(Container, built.BlobName!));
        IndexCompactionResult compacted = await store.CompactAsync("undesired");
        Assert.Equal(3, compacted.Generation); // the two shards were merged: a new manifest, so both graphs are superseded
        Assert.False(await objects.ExistsAsync(Container, built.BlobName!));
        Assert.False(await objects.ExistsAsync(Container, rebuilt.BlobName!));
        Assert.Equal("exact", (await store.LoadAsync("undesired")).SearchMethod);
        Assert.Equal(("built", 3L), ((await store.BuildGraphAsync("undesired")).Status, 3L));
    }

    [Fact]
    public async Task An_index_below_the_graph_threshold_is_searched_exactly()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions
        {
            Container = Container,
            ApproximateSearch = new Approximate.ApproximateSearchOptions { MinEntries = 101 },
        });
        await store.AddAsync("undesired", TestVectors.TextEntries("c", TestVectors.Gaussian(seed: 3, count: 100, dimension: 8)));

        GraphBuildResult result = await store.BuildGraphAsync("undesired");

        Assert.Equal(("below-threshold", (string?)null, 0L), (result.Status, result.BlobName, result.Bytes));
        Assert.Equal("exact", (await store.LoadAsync("undesired")).SearchMethod);
        await Assert.ThrowsAsync<IndexNotFoundException>(() => store.BuildGraphAsync("missing"));
    }

    [Fact]
    public async Task A_corrupt_graph_blob_fails_the_load_and_names_the_blob()
    {
        var options = new EmbeddingIndexStoreOptions { Container = Container, ApproximateSearch = new Approximate.ApproximateSearchOptions { MinEntries = 50 } };
        EmbeddingIndexStore store = await NewIndexStoreAsync(options);
        await store.AddAsync("undesired", TestVectors.TextEntries("c", TestVectors.Gaussian(seed: 4, count: 60, dimension: 8)));
        GraphBuildResult built = await store.BuildGraphAsync("undesired");
        IObjectStore objects = await CreateObjectStoreAsync();
        await objects.DeleteAsync(Container, built.BlobName!);
        await objects.WriteAsync(Container, built.BlobName!, new byte[] { 1, 2, 3, 4, 5 });

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadAsync("undesired"));

        Assert.Contains(built.BlobName!, ex.Message);
        Assert.Equal(60, (await store.LoadAsync("undesired", new IndexLoadOptions { UseGraph = false })).Count);
    }

    [Fact]
    public async Task Concurrent_adds_from_eight_separate_stores_lose_no_entry()
    {
        const int writers = 8;
        const int perWriter = 6;
        EmbeddingIndexStore[] stores = new EmbeddingIndexStore[writers];
        for (int w = 0; w < writers; w++)
        {
            stores[w] = new EmbeddingIndexStore(await CreateObjectStoreAsync(), new EmbeddingIndexStoreOptions { Container = Container, CommitRetryDelay = TimeSpan.FromMilliseconds(5) });
        }

        using var start = new ManualResetEventSlim();
        Task<IndexUpdateResult>[] adds = stores
            .Select((store, w) => Task.Run(() =>
            {
                start.Wait();
                return store.AddAsync("undesired", TestVectors.TextEntries($"w{w}-", TestVectors.Gaussian(seed: 100 + w, perWriter, dimension: 16)));
            }))
            .ToArray();
        start.Set();
        IndexUpdateResult[] results = await Task.WhenAll(adds);

        EmbeddingIndex index = await stores[0].LoadAsync("undesired");
        Assert.Equal(writers * perWriter, index.Count);
        Assert.Equal(writers, index.Generation);
        Assert.Equal(Enumerable.Range(1, writers).Select(g => (long)g), results.Select(r => r.Generation).Order());
        for (int w = 0; w < writers; w++)
        {
            float[][] vectors = TestVectors.Gaussian(seed: 100 + w, perWriter, dimension: 16);
            for (int i = 0; i < perWriter; i++)
            {
                Assert.Equal($"w{w}-{i}", index.Search(vectors[i], 1)[0].Id);
            }
        }
    }

    [Fact]
    public async Task A_corrupt_shard_fails_the_load_with_InvalidDataException_naming_the_blob()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container });
        await store.AddAsync("undesired", TestVectors.TextEntries("c", TestVectors.Gaussian(seed: 9, count: 5, dimension: 8)));
        string shard = (await ListAsync(objects, "undesired/shards/")).Single();
        StoredObject original = await objects.ReadAsync(Container, shard);
        byte[] corrupted = original.Content.ToArray();
        corrupted[17] ^= 0x40;
        await objects.WriteAsync(Container, shard, corrupted);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadAsync("undesired"));

        Assert.Contains($"{Container}/{shard}", ex.Message);
        Assert.Contains("corrupt", ex.Message);
    }

    [Fact]
    public async Task A_missing_shard_fails_the_load_with_InvalidDataException_naming_the_blob()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container });
        await store.AddAsync("undesired", TestVectors.TextEntries("c", TestVectors.Gaussian(seed: 9, count: 5, dimension: 8)));
        string shard = (await ListAsync(objects, "undesired/shards/")).Single();
        await objects.DeleteAsync(Container, shard);

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadAsync("undesired"));

        Assert.Contains($"{Container}/{shard}", ex.Message);
    }

    [Fact]
    public async Task A_damaged_manifest_fails_the_load_with_InvalidDataException_naming_the_manifest()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container });
        await objects.WriteAsync(Container, "undesired/manifest.json", Encoding.UTF8.GetBytes("{ not json"));

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => store.LoadAsync("undesired"));

        Assert.Contains($"{Container}/undesired/manifest.json", ex.Message);
    }

    [Fact]
    public async Task Compaction_merges_shards_keeps_every_entry_and_collects_only_unreferenced_shards()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container, MaxEntriesPerShard = 40, OrphanGracePeriod = TimeSpan.Zero });
        float[][] vectors = TestVectors.Gaussian(seed: 11, count: 100, dimension: 8);
        IndexEntry[] entries = TestVectors.TextEntries("e", vectors);
        for (int batch = 0; batch < 5; batch++)
        {
            await store.AddAsync("undesired", entries.Skip(batch * 20).Take(20));
        }

        await store.RemoveAsync("undesired", ["e5", "e55"]);
        EmbeddingIndex before = await store.LoadAsync("undesired");
        int blobsBefore = (await ListAsync(objects, "undesired/shards/")).Count;

        IndexCompactionResult result = await store.CompactAsync("undesired");
        EmbeddingIndex after = await store.LoadAsync("undesired");
        IndexCompactionResult again = await store.CompactAsync("undesired");

        Assert.Equal(6, before.Generation);
        Assert.Equal(7, blobsBefore);
        Assert.Equal(3, result.ShardCount);
        Assert.Equal(7, result.DeletedBlobCount);
        Assert.Equal(3, (await ListAsync(objects, "undesired/shards/")).Count);
        Assert.Equal(before.Generation + 1, after.Generation);
        Assert.Equal(before.Entries.Select(e => e.Id), after.Entries.Select(e => e.Id));
        Assert.Equal(before.Search(vectors[42], 10), after.Search(vectors[42], 10));
        Assert.Equal(after.Generation, again.Generation);
        Assert.Equal(0, again.DeletedBlobCount);
    }

    [Fact]
    public async Task Compaction_leaves_young_unreferenced_shards_alone()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var faulty = new FaultInjectingObjectStore(objects);
        var store = new EmbeddingIndexStore(faulty, new EmbeddingIndexStoreOptions { Container = Container });
        await store.AddAsync("undesired", TestVectors.TextEntries("a", TestVectors.Gaussian(seed: 1, count: 3, dimension: 4)));
        faulty.FailWritesTo = (_, name) => name.EndsWith("/manifest.json", StringComparison.Ordinal);
        await Assert.ThrowsAsync<SimulatedCrashException>(
            () => store.AddAsync("undesired", TestVectors.TextEntries("b", TestVectors.Gaussian(seed: 2, count: 3, dimension: 4))));

        IndexCompactionResult result = await new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container }).CompactAsync("undesired");

        Assert.Equal(0, result.DeletedBlobCount);
        Assert.Equal(2, (await ListAsync(objects, "undesired/shards/")).Count);
    }

    [Fact]
    public async Task Large_batches_are_split_into_shards_of_at_most_the_configured_size()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container, MaxEntriesPerShard = 100 });
        float[][] vectors = TestVectors.Gaussian(seed: 4, count: 250, dimension: 8);

        await store.AddAsync("undesired", TestVectors.TextEntries("e", vectors));
        EmbeddingIndex index = await store.LoadAsync("undesired");

        Assert.Equal(3, (await ListAsync(objects, "undesired/shards/")).Count);
        Assert.Equal(250, index.Count);
        Assert.Equal("e249", index.Search(vectors[249], 1)[0].Id);
        Assert.Equal("e100", index.Search(vectors[100], 1)[0].Id);
    }

    [Fact]
    public async Task An_index_keeps_the_storage_type_it_was_created_with()
    {
        var halfStore = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions { Container = Container, StorageType = EmbeddingStorageType.Float16 });
        var singleStore = await NewIndexStoreAsync(new EmbeddingIndexStoreOptions { Container = Container, StorageType = EmbeddingStorageType.Float32 });
        float[][] vectors = TestVectors.Gaussian(seed: 8, count: 20, dimension: 32);

        await halfStore.AddAsync("desired", TestVectors.TextEntries("a", vectors[..10]));
        await singleStore.AddAsync("desired", TestVectors.TextEntries("b", vectors[10..]));
        EmbeddingIndex index = await singleStore.LoadAsync("desired");

        Assert.Equal(EmbeddingStorageType.Float16, index.StorageType);
        Assert.Equal(20, index.Count);
        Assert.Equal("b5", index.Search(vectors[15], 1)[0].Id);
    }

    [Fact]
    public async Task Indices_are_listed_by_name_and_deleted_with_all_their_blobs()
    {
        IObjectStore objects = await CreateObjectStoreAsync();
        var store = new EmbeddingIndexStore(objects, new EmbeddingIndexStoreOptions { Container = Container });
        float[][] vectors = TestVectors.Gaussian(seed: 2, count: 3, dimension: 4);
        await store.AddAsync("undesired", TestVectors.TextEntries("u", vectors));
        await store.AddAsync("undesired-v2", TestVectors.TextEntries("v", vectors));
        await store.AddAsync("desired", TestVectors.TextEntries("d", vectors));

        IReadOnlyList<string> names = await store.ListNamesAsync();
        bool deleted = await store.DeleteAsync("undesired");
        bool deletedAgain = await store.DeleteAsync("undesired");

        Assert.Equal(["desired", "undesired", "undesired-v2"], names);
        Assert.True(deleted);
        Assert.False(deletedAgain);
        Assert.Equal(["desired", "undesired-v2"], await store.ListNamesAsync());
        Assert.Empty(await ListAsync(objects, "undesired/"));
        Assert.NotEmpty(await ListAsync(objects, "undesired-v2/"));
        Assert.False((await store.LoadAsync("undesired")).Exists);
    }

    [Fact]
    public async Task Invalid_index_names_are_rejected()
    {
        EmbeddingIndexStore store = await NewIndexStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync("Undesired"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.LoadAsync("a/b"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.AddAsync("../x", []));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(""));
    }

    /// <summary>A new object store over the same backing storage, as another process would open it.</summary>
    protected abstract Task<IObjectStore> CreateObjectStoreAsync();

    private static void AssertSameRanking((string Id, double Similarity)[] expected, IReadOnlyList<SearchHit> actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i].Similarity - actual[i].Similarity) <= tolerance, $"rank {i}: similarity {actual[i].Similarity} vs reference {expected[i].Similarity}");

            // Ids may only differ where the reference itself has a near-tie.
            if (expected[i].Id != actual[i].Id)
            {
                double neighbour = Math.Min(
                    i > 0 ? Math.Abs(expected[i - 1].Similarity - expected[i].Similarity) : double.MaxValue,
                    i + 1 < expected.Length ? Math.Abs(expected[i + 1].Similarity - expected[i].Similarity) : double.MaxValue);
                Assert.True(neighbour <= tolerance, $"rank {i}: got {actual[i].Id}, expected {expected[i].Id}");
            }
        }
    }

    private async Task<EmbeddingIndexStore> NewIndexStoreAsync(EmbeddingIndexStoreOptions? options = null) =>
        new(await CreateObjectStoreAsync(), options ?? new EmbeddingIndexStoreOptions { Container = Container });

    private async Task<List<string>> ListAsync(IObjectStore objects, string prefix)
    {
        var names = new List<string>();
        await foreach (ObjectProperties item in objects.ListAsync(Container, prefix))
        {
            names.Add(item.Name);
        }

        return names;
    }
}
