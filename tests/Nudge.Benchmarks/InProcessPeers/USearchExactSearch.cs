using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Nudge.Benchmarks.InProcessPeers;

/// <summary>
/// USearch's brute-force search (<c>usearch_exact_search</c> of its C library, the SimSIMD inner-product kernels; the C#
/// binding does not expose it) over the same rows as Nudge's index, float32 or float16, on a given number of threads.
/// Runs in this process: the call crosses into native code once per search, as Nudge's own native dependencies do.
/// </summary>
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
    /// <param name="threads">Threads USearch may use.</param>
    /// <returns>Row ids, <paramref name="k"/> per query.</returns>
    public unsafe ulong[] Search(Array queries, int first, int queryCount, int k, int threads)
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
                usearch_exact_search(_rows.AddrOfPinnedObject(), (nuint)_count, (nuint)(_dimension * bytes), start, (nuint)queryCount, (nuint)(_dimension * bytes),
                    scalar, (nuint)_dimension, MetricInnerProduct, (nuint)k, (nuint)threads, keyPtr, (nuint)(k * sizeof(ulong)), distancePtr, (nuint)(k * sizeof(float)), out IntPtr error);
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

        return keys;
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
