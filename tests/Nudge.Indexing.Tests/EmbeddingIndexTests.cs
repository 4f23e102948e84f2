using Nudge.Indexing.Tests.Support;

namespace Nudge.Indexing.Tests;

/// <summary>The in-memory index: exact search, normalization, argument checks, float16 storage, parallel scans.</summary>
public sealed class EmbeddingIndexTests
{
    [Fact]
    public void Embeddings_and_queries_are_normalized_so_similarity_is_cosine()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", [Text("x", [10, 0, 0]), Text("xy", [5, 5, 0]), Text("z", [0, 0, 0.001f])]);

        IReadOnlyList<SearchHit> hits = index.Search([3, 0, 0], 3);

        Assert.Equal(["x", "xy", "z"], hits.Select(h => h.Id));
        Assert.Equal(1f, hits[0].Similarity, 1e-6f);
        Assert.Equal(MathF.Sqrt(0.5f), hits[1].Similarity, 1e-6f);
        Assert.Equal(0f, hits[2].Similarity, 1e-6f);
        Assert.Equal(1f, index.GetEntry(0).Embedding.Sum(v => v * v), 1e-6f);
    }

    [Fact]
    public void The_caller_s_embedding_array_is_not_modified()
    {
        float[] embedding = [3, 4];

        EmbeddingIndex.Create("t", [Text("a", embedding)]);

        Assert.Equal([3f, 4f], embedding);
    }

    [Fact]
    public void Hits_are_sorted_by_similarity_and_ties_go_to_the_lower_row()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", [Text("a", [0, 1]), Text("b", [1, 0]), Text("c", [0, 1]), Text("d", [1, 0])]);

        IReadOnlyList<SearchHit> hits = index.Search([1, 0], 4);

        Assert.Equal([new SearchHit("b", 1, 1), new SearchHit("d", 1, 3), new SearchHit("a", 0, 0), new SearchHit("c", 0, 2)], hits);
    }

    [Fact]
    public void K_larger_than_the_index_returns_every_entry()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", TestVectors.Gaussian(1, 5, 8)));

        Assert.Equal(5, index.Search(TestVectors.Gaussian(2, 1, 8)[0], 100).Count);
    }

    [Fact]
    public void Bad_search_arguments_are_rejected()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", TestVectors.Gaussian(1, 5, 8)));

        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(new float[8], 0));
        Assert.Throws<ArgumentException>(() => index.Search(new float[7], 1));
        Assert.Throws<ArgumentException>(() => index.Search(new float[8], 1));
        Assert.Throws<ArgumentException>(() => index.Search([float.NaN, 0, 0, 0, 0, 0, 0, 0], 1));
        Assert.Throws<ArgumentException>(() => index.SearchBatch(new float[12], 1));
    }

    [Fact]
    public void Invalid_entries_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [0, 0])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [float.PositiveInfinity, 1])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [1, 0]), Text("a", [0, 1])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [1, 0]), Text("b", [0, 1, 0])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("", [1, 0])]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [1, 0]) with { Threshold = float.NaN }]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Text("a", [1, 0]) with { Latent = [1, 2], LatentShape = [2] }]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Image("a", [1, 0]) with { Latent = [1, 2, 3], LatentShape = [2] }]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("t", [Image("a", [1, 0]) with { LatentShape = [2] }]));
        Assert.Throws<ArgumentException>(() => EmbeddingIndex.Create("Bad Name", [Text("a", [1, 0])]));
    }

    [Fact]
    public void An_empty_index_answers_every_search_with_no_hits()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", []);

        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search([1, 2, 3], 10));
        Assert.Empty(index.SearchBatch([1, 2, 3, 4], 10));
    }

    [Fact]
    public void Batch_search_returns_what_single_searches_return()
    {
        IndexEntry[] entries = TestVectors.TextEntries("e", TestVectors.Gaussian(3, 3000, 32));
        EmbeddingIndex index = EmbeddingIndex.Create("t", entries, EmbeddingStorageType.Float16);
        float[][] queries = TestVectors.Gaussian(4, 5, 32);

        IReadOnlyList<IReadOnlyList<SearchHit>> batch = index.SearchBatch(queries.SelectMany(q => q).ToArray(), 7);

        Assert.Equal(5, batch.Count);
        for (int q = 0; q < queries.Length; q++)
        {
            Assert.Equal(index.Search(queries[q], 7), batch[q]);
        }
    }

    [Theory]
    [InlineData(EmbeddingStorageType.Float32)]
    [InlineData(EmbeddingStorageType.Float16)]
    public void Parallel_scans_return_exactly_what_a_sequential_scan_returns(EmbeddingStorageType storageType)
    {
        IndexEntry[] entries = TestVectors.TextEntries("e", TestVectors.Gaussian(5, 20_000, 24));
        EmbeddingIndex index = EmbeddingIndex.Create("t", entries, storageType);
        float[][] queries = TestVectors.Gaussian(6, 4, 24);
        float[] flat = queries.SelectMany(q => q).ToArray();

        index.ParallelThreshold = long.MaxValue;
        IReadOnlyList<SearchHit>[] sequential = queries.Select(q => index.Search(q, 25)).ToArray();
        IReadOnlyList<IReadOnlyList<SearchHit>> sequentialBatch = index.SearchBatch(flat, 25);
        index.ParallelThreshold = 0;
        IReadOnlyList<SearchHit>[] parallel = queries.Select(q => index.Search(q, 25)).ToArray();
        IReadOnlyList<IReadOnlyList<SearchHit>> parallelBatch = index.SearchBatch(flat, 25);

        for (int q = 0; q < queries.Length; q++)
        {
            Assert.Equal(sequential[q], parallel[q]);
            Assert.Equal(sequentialBatch[q], parallelBatch[q]);
        }
    }

    [Fact]
    public void A_search_limited_to_one_thread_returns_what_an_unlimited_one_returns()
    {
        IndexEntry[] entries = TestVectors.TextEntries("e", TestVectors.Gaussian(5, 20_000, 24));
        EmbeddingIndex index = EmbeddingIndex.Create("t", entries);
        index.ParallelThreshold = 0;
        EmbeddingIndex single = index.WithSearchThreads(1);
        float[] flat = TestVectors.Gaussian(6, 4, 24).SelectMany(q => q).ToArray();

        Assert.Equal(0, index.SearchThreads);
        Assert.Equal(1, single.SearchThreads);
        Assert.Same(index.Entries[3].Id, single.Entries[3].Id);
        IReadOnlyList<IReadOnlyList<SearchHit>> expected = index.SearchBatch(flat, 25), actual = single.SearchBatch(flat, 25);
        for (int q = 0; q < expected.Count; q++)
        {
            Assert.Equal(expected[q], actual[q]);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => index.WithSearchThreads(-1));
    }

    [Fact]
    public void Float16_storage_keeps_embeddings_to_about_three_digits()
    {
        float[][] vectors = TestVectors.Gaussian(7, 50, 128);
        EmbeddingIndex single = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", vectors));
        EmbeddingIndex half = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", vectors), EmbeddingStorageType.Float16);

        Assert.Equal(EmbeddingStorageType.Float16, half.StorageType);
        for (int row = 0; row < vectors.Length; row++)
        {
            Assert.Equal(single.Entries[row].Embedding, half.Entries[row].Embedding, (a, b) => Math.Abs(a - b) < 1e-3f);
            Assert.Equal(row, half.Search(vectors[row], 1)[0].Row);
        }
    }

    [Fact]
    public void Entries_can_be_looked_up_by_id_and_row()
    {
        EmbeddingIndex index = EmbeddingIndex.Create("t", [Text("a", [1, 0]), Image("b", [0, 2]) with { Caption = "cap" }]);

        Assert.True(index.TryGetRow("b", out int row));
        Assert.Equal(1, row);
        Assert.False(index.TryGetRow("c", out _));
        Assert.Equal("cap", index.GetEntry(1).Caption);
        Assert.Equal([0f, 1f], index.GetEntry(1).Embedding);
        Span<float> copy = stackalloc float[2];
        index.CopyEmbedding(0, copy);
        Assert.Equal([1f, 0f], copy.ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => index.GetEntry(2));
        Assert.Equal(["a", "b"], index.Entries.Select(e => e.Id));
    }

    private static IndexEntry Text(string id, float[] embedding) =>
        new() { Id = id, Kind = IndexEntryKind.Text, Embedding = embedding, Source = "test" };

    private static IndexEntry Image(string id, float[] embedding) =>
        new() { Id = id, Kind = IndexEntryKind.Image, Embedding = embedding, Source = "test" };
}
