using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Nudge.Benchmarks.InProcessPeers;

/// <summary>
/// USearch's brute-force search (<c>usearch_exact_search</c> of its C library, the SimSIMD inner-product kernels; the C#
/// binding does not expose it) over the same rows as Nudge's index, float32 or float16, on a given number of threads.
/// Runs in this process: the call crosses into native code once per search, as Nudge's own native dependencies do.
/// </summary>
/// <remarks>
/// USearch 2.26's C entry point builds a thread pool from its <c>threads</c> argument but never hands it to the search,
/// which always runs on the calling thread. So more than one thread is given to it the only way it can use them: the
/// rows split into one contiguous shard per thread, each shard searched on its own thread (<c>threads = 1</c>), the
/// per-shard top-k merged.
/// </remarks>
internal sealed class USearchExactSearch : IDisposable
{
    private const string Library = "libusearch_c";
    private const int MetricInnerProduct = 2; // usearch_metric_ip_k
    private const int ScalarFloat32 = 1;      // usearch_scalar_f32_k
    private const int ScalarFloat16 = 3;      // usearch_scalar_f16_k

    private readonly GCHandle _rows;
    private readonly int _count;
    private readonly int _dimension;
    private readonly bool _half;

    /// <summary>Wraps the first <paramref name="count"/> rows of <paramref name="rows"/> (float32, row-major) as USearch's dataset.</summary>
    /// <param name="rows">The rows; copied to float16 when <paramref name="half"/>.</param>
    /// <param name="count">Rows.</param>
    /// <param name="dimension">Values per row.</param>
    /// <param name="half">Store and search as float16.</param>
    public USearchExactSearch(float[] rows, int count, int dimension, bool half)
    {
        _count = count;
        _dimension = dimension;
        _half = half;
        object data = half ? ToHalf(rows.AsSpan(0, count * dimension)) : rows;
        _rows = GCHandle.Alloc(data, GCHandleType.Pinned);
        using var probe = new USearchIndex(MetricKind.Ip, half ? ScalarKind.Float16 : ScalarKind.Float32, (ulong)dimension);
        Kernel = probe.HardwareAcceleration();
    }

    /// <summary>The SimSIMD kernel family USearch dispatches for this metric and scalar type on this CPU.</summary>
    public string Kernel { get; }

    /// <summary>Converts queries to the dataset's scalar type once, outside any timing.</summary>
    /// <param name="queries">Float32 queries, row-major.</param>
    /// <returns>Pinned-ready query values.</returns>
    public Array PrepareQueries(float[] queries) => _half ? ToHalf(queries) : queries;

    /// <summary>Top-<paramref name="k"/> rows by inner product for <paramref name="queryCount"/> queries starting at query <paramref name="first"/>.</summary>
    /// <param name="queries">From <see cref="PrepareQueries"/>.</param>
    /// <param name="first">The first query.</param>
    /// <param name="queryCount">How many consecutive queries.</param>
    /// <param name="k">Hits per query.</param>
    /// <param name="threads">Threads: one shard of the rows per thread.</param>
    /// <returns>Row ids, <paramref name="k"/> per query.</returns>
    public ulong[] Search(Array queries, int first, int queryCount, int k, int threads)
    {
        int shards = Math.Clamp(threads, 1, _count);
        if (shards == 1)
        {
            return SearchShard(queries, first, queryCount, k, 0, _count).Keys;
        }

        var parts = new (ulong[] Keys, float[] Distances)[shards];
        int perShard = (_count + shards - 1) / shards;
        Parallel.For(0, shards, new ParallelOptions { MaxDegreeOfParallelism = shards }, s =>
        {
            int start = s * perShard;
            parts[s] = SearchShard(queries, first, queryCount, k, start, Math.Min(perShard, _count - start));
        });

        // Merge: smallest distance (1 − inner product) first, k per query.
        var keys = new ulong[queryCount * k];
        for (int q = 0; q < queryCount; q++)
        {
            var merged = parts.SelectMany(p => Enumerable.Range(q * k, k).Select(i => (p.Distances[i], p.Keys[i])))
                .OrderBy(h => h.Item1).ThenBy(h => h.Item2).Take(k).ToArray();
            for (int i = 0; i < k; i++)
            {
                keys[(q * k) + i] = merged[i].Item2;
            }
        }

        return keys;
    }

    private unsafe (ulong[] Keys, float[] Distances) SearchShard(Array queries, int first, int queryCount, int k, int startRow, int rows)
    {
        var keys = new ulong[queryCount * k];
        var distances = new float[queryCount * k];
        int scalar = _half ? ScalarFloat16 : ScalarFloat32;
        int bytes = _half ? 2 : 4;
        GCHandle pinned = GCHandle.Alloc(queries, GCHandleType.Pinned);
        try
        {
            fixed (ulong* keyPtr = keys)
            fixed (float* distancePtr = distances)
            {
                IntPtr start = pinned.AddrOfPinnedObject() + (first * _dimension * bytes);
                IntPtr dataset = _rows.AddrOfPinnedObject() + ((nint)startRow * _dimension * bytes);
                usearch_exact_search(dataset, (nuint)rows, (nuint)(_dimension * bytes), start, (nuint)queryCount, (nuint)(_dimension * bytes),
                    scalar, (nuint)_dimension, MetricInnerProduct, (nuint)k, 1, keyPtr, (nuint)(k * sizeof(ulong)), distancePtr, (nuint)(k * sizeof(float)), out IntPtr error);
                if (error != IntPtr.Zero)
                {
                    throw new USearchException($"usearch_exact_search: {Marshal.PtrToStringAnsi(error)}");
                }
            }
        }
        finally
        {
            pinned.Free();
        }

        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] += (ulong)startRow; // the shard's row offsets, as index rows
        }

        return (keys, distances);
    }

    /// <inheritdoc/>
    public void Dispose() => _rows.Free();

    private static Half[] ToHalf(ReadOnlySpan<float> values)
    {
        var half = new Half[values.Length];
        System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, half);
        return half;
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern unsafe void usearch_exact_search(
        IntPtr dataset, nuint datasetCount, nuint datasetStride,
        IntPtr queries, nuint queriesCount, nuint queriesStride,
        int scalarKind, nuint dimensions, int metricKind, nuint count, nuint threads,
        ulong* keys, nuint keysStride, float* distances, nuint distancesStride, out IntPtr error);
}
