using System.Numerics.Tensors;
using Nudge.Indexing.Search;
using Nudge.Indexing.Tests.Support;

namespace Nudge.Indexing.Tests;

/// <summary>The register-blocked scan kernels: exact float16 conversion, and the same scores in every kernel and path.</summary>
public sealed class DotKernelsTests
{
    [Fact]
    public void Float16_conversion_is_exact_for_every_finite_value()
    {
        var halves = new List<Half>();
        for (int bits = 0; bits <= ushort.MaxValue; bits++)
        {
            Half h = BitConverter.UInt16BitsToHalf((ushort)bits);
            if (Half.IsFinite(h))
            {
                halves.Add(h);
            }
        }

        // An odd count exercises the scalar tail too.
        halves.Add(Half.One);
        var converted = new float[halves.Count];

        DotKernels.HalfToSingle(halves.ToArray(), converted);

        for (int i = 0; i < halves.Count; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits((float)halves[i]), BitConverter.SingleToInt32Bits(converted[i]));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(13)]
    [InlineData(16)]
    [InlineData(24)]
    [InlineData(37)]
    [InlineData(64)]
    public void Kernel_scores_match_a_plain_dot_product_for_any_dimension_and_query_count(int dimension)
    {
        float[][] rows = TestVectors.Gaussian(11, 23, dimension);
        float[] flatRows = rows.SelectMany(r => r).ToArray();
        float[][] queries = TestVectors.Gaussian(12, 19, dimension); // 16 in 8-query passes, then 2 + 1
        float[] flatQueries = queries.SelectMany(q => q).ToArray();
        var heaps = Enumerable.Range(0, queries.Length).Select(_ => new TopKHeap(rows.Length)).ToArray();

        DotKernels.ScanRows(flatRows, 100, dimension, flatQueries, queries.Length, heaps);

        for (int q = 0; q < queries.Length; q++)
        {
            var byRow = heaps[q].ToSortedArray().ToDictionary(h => h.Row, h => h.Score);
            Assert.Equal(rows.Length, byRow.Count);
            for (int r = 0; r < rows.Length; r++)
            {
                Assert.Equal(TensorPrimitives.Dot(rows[r], queries[q]), byRow[100 + r], 1e-4f);
            }
        }
    }

    [Theory]
    [InlineData(EmbeddingStorageType.Float32, 16)]
    [InlineData(EmbeddingStorageType.Float32, 21)]
    [InlineData(EmbeddingStorageType.Float16, 16)]
    [InlineData(EmbeddingStorageType.Float16, 21)]
    [InlineData(EmbeddingStorageType.Float16, 768)]
    public void Single_and_batched_searches_score_every_row_identically(EmbeddingStorageType storageType, int dimension)
    {
        // Duplicated rows: ties must break to the lower row in both paths, which needs bit-identical scores.
        float[][] vectors = TestVectors.Gaussian(13, 301, dimension);
        IndexEntry[] entries = TestVectors.TextEntries("e", [.. vectors, .. vectors]);
        EmbeddingIndex index = EmbeddingIndex.Create("t", entries, storageType);
        float[][] queries = TestVectors.Gaussian(14, 19, dimension);

        IReadOnlyList<IReadOnlyList<SearchHit>> batch = index.SearchBatch(queries.SelectMany(q => q).ToArray(), 602);

        for (int q = 0; q < queries.Length; q++)
        {
            IReadOnlyList<SearchHit> single = index.Search(queries[q], 602);
            Assert.Equal(single, batch[q]);
            var position = single.Select((h, i) => (h.Row, i)).ToDictionary(x => x.Row, x => x.i);
            foreach (SearchHit copy in single.Where(h => h.Row >= 301))
            {
                int original = position[copy.Row - 301];
                Assert.Equal(single[original].Similarity, copy.Similarity);
                Assert.True(original < position[copy.Row], $"row {copy.Row - 301} must rank before its copy {copy.Row}");
            }
        }
    }

    [Fact]
    public void Float16_search_finds_the_float32_top_k_of_well_separated_rows()
    {
        float[][] vectors = TestVectors.Gaussian(15, 2000, 64);
        EmbeddingIndex single = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", vectors));
        EmbeddingIndex half = EmbeddingIndex.Create("t", TestVectors.TextEntries("e", vectors), EmbeddingStorageType.Float16);

        for (int row = 0; row < vectors.Length; row += 97)
        {
            Assert.Equal(single.Search(vectors[row], 1)[0].Row, half.Search(vectors[row], 1)[0].Row);
            Assert.Equal(single.Search(vectors[row], 5)[0].Similarity, half.Search(vectors[row], 5)[0].Similarity, 2e-3f);
        }
    }
}
