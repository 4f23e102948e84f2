using System.Numerics.Tensors;
using Nudge.Indexing;

namespace Nudge.Benchmarks.Data;

/// <summary>
/// Builds <see cref="EmbeddingIndex"/> instances over the first N rows of a generated matrix. The rows are
/// already unit length, so this goes straight to the index's storage instead of through
/// <see cref="EmbeddingIndex.Create"/>, which would hold a per-entry copy of every embedding (3 GB more at 1M × 768);
/// the search path measured is the same.
/// </summary>
public static class BenchIndexes
{
    /// <summary>An index over the first <paramref name="rows"/> rows of <paramref name="data"/>.</summary>
    /// <param name="data">Unit vectors, row-major (at least rows × dimension values).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="dimension">Dimension.</param>
    /// <param name="storage">Float32 (shares <paramref name="data"/> when it holds exactly these rows) or Float16.</param>
    /// <returns>The index.</returns>
    public static EmbeddingIndex Create(float[] data, int rows, int dimension, EmbeddingStorageType storage)
    {
        int length = rows * dimension;
        float[]? singles = null;
        Half[]? halves = null;
        if (storage == EmbeddingStorageType.Float32)
        {
            singles = data.Length == length ? data : data.AsSpan(0, length).ToArray();
        }
        else
        {
            halves = GC.AllocateUninitializedArray<Half>(length);
            const int chunk = 1 << 20;
            Parallel.For(0, (length + chunk - 1) / chunk, c =>
            {
                int start = c * chunk, count = Math.Min(chunk, length - start);
                TensorPrimitives.ConvertToHalf(data.AsSpan(start, count), halves.AsSpan(start, count));
            });
        }

        var entries = new IndexEntry[rows];
        for (int i = 0; i < rows; i++)
        {
            entries[i] = new IndexEntry { Id = "v" + i, Kind = IndexEntryKind.Image, Embedding = [], Source = "bench" };
        }

        return new EmbeddingIndex($"bench-{rows}", exists: false, dimension, storage, singles, halves, entries, generation: 0, etag: null);
    }
}
