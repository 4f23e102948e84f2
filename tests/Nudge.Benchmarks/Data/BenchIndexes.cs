using System.Numerics.Tensors;
using Nudge.Benchmarks.Core;
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

    /// <summary>
    /// Runs the scan paths (float32 and float16, single and batched) on a small index often enough for the tiered
    /// JIT to replace them with fully optimized code before anything is timed; once per dimension and invocation.
    /// </summary>
    /// <param name="context">The context (remembers what was warmed up).</param>
    /// <param name="data">Unit vectors, row-major.</param>
    /// <param name="queries">At least 64 unit queries.</param>
    /// <param name="dimension">Dimension.</param>
    public static void WarmUpJit(BenchmarkContext context, float[] data, float[] queries, int dimension)
    {
        context.GetOrCreate($"jit-warm:{dimension}", () =>
        {
            int n = Math.Min(data.Length / dimension, 20_000);
            foreach (EmbeddingStorageType storage in new[] { EmbeddingStorageType.Float32, EmbeddingStorageType.Float16 })
            {
                EmbeddingIndex index = Create(data, n, dimension, storage);
                for (int pass = 0; pass < 2; pass++)
                {
                    for (int i = 0; i < 40; i++)
                    {
                        index.Search(queries.AsSpan((i % 64) * dimension, dimension), 10);
                    }

                    for (int i = 0; i < 3; i++)
                    {
                        index.SearchBatch(queries.AsSpan(0, 64 * dimension), 10);
                    }

                    Thread.Sleep(250);
                }
            }

            return true;
        });
    }
}
