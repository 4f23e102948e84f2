using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nudge.Benchmarks.Data;

/// <summary>The machine's memory bandwidth, measured in the same run as what it is compared with.</summary>
/// <param name="CopyGBps">A 1 GiB <c>Span.CopyTo</c> split across all cores: (bytes read + bytes written) / s, best of the repetitions.</param>
/// <param name="CopySingleThreadGBps">The same copy on one thread.</param>
/// <param name="ReadGBps">A read-only pass (a vector sum, four sequential streams per thread) over 1 GiB of floats on all cores: bytes read / s, best of the repetitions.</param>
public sealed record MemoryBandwidth(double CopyGBps, double CopySingleThreadGBps, double ReadGBps)
{
    /// <summary>Measures it (allocates 2 GiB for a moment).</summary>
    /// <param name="repetitions">Repetitions of each measurement; the best counts.</param>
    /// <returns>The bandwidths.</returns>
    public static MemoryBandwidth Measure(int repetitions)
    {
        const int size = 1 << 30;
        int threads = Environment.ProcessorCount;
        byte[] source = GC.AllocateUninitializedArray<byte>(size);
        byte[] destination = GC.AllocateUninitializedArray<byte>(size);
        MemoryMarshal.Cast<byte, float>(source.AsSpan()).Fill(1f);
        destination.AsSpan().Clear();

        double Copy(int parts)
        {
            int chunk = size / parts;
            var sw = Stopwatch.StartNew();
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
                source.AsSpan(p * chunk, chunk).CopyTo(destination.AsSpan(p * chunk, chunk)));
            return 2.0 * size / sw.Elapsed.TotalSeconds / 1e9;
        }

        double Read()
        {
            // Each thread sums its part as four sequential streams at once (Vector<float> adds), the access pattern
            // of the index scan; this is as fast as plain reading gets from managed code here.
            int chunk = size / sizeof(float) / threads;
            var sums = new float[threads];
            var sw = Stopwatch.StartNew();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, p =>
                sums[p] = SumFourStreams(MemoryMarshal.Cast<byte, float>(source.AsSpan()).Slice(p * chunk, chunk)));
            double gbps = size / sw.Elapsed.TotalSeconds / 1e9;
            return sums.Sum() > 0 ? gbps : 0;
        }

        double copy = 0, single = 0, read = 0;
        for (int r = 0; r < repetitions; r++)
        {
            copy = Math.Max(copy, Copy(threads));
            single = Math.Max(single, Copy(1));
            read = Math.Max(read, Read());
        }

        return new MemoryBandwidth(copy, single, read);
    }

    /// <summary>The better of two measurements, field by field.</summary>
    /// <param name="a">One measurement.</param>
    /// <param name="b">Another.</param>
    /// <returns>The maxima.</returns>
    public static MemoryBandwidth Best(MemoryBandwidth a, MemoryBandwidth b) =>
        new(Math.Max(a.CopyGBps, b.CopyGBps), Math.Max(a.CopySingleThreadGBps, b.CopySingleThreadGBps), Math.Max(a.ReadGBps, b.ReadGBps));

    private static float SumFourStreams(ReadOnlySpan<float> values)
    {
        int quarter = values.Length / 4 / Vector<float>.Count * Vector<float>.Count;
        ReadOnlySpan<Vector<float>> s0 = MemoryMarshal.Cast<float, Vector<float>>(values[..quarter]);
        ReadOnlySpan<Vector<float>> s1 = MemoryMarshal.Cast<float, Vector<float>>(values.Slice(quarter, quarter));
        ReadOnlySpan<Vector<float>> s2 = MemoryMarshal.Cast<float, Vector<float>>(values.Slice(2 * quarter, quarter));
        ReadOnlySpan<Vector<float>> s3 = MemoryMarshal.Cast<float, Vector<float>>(values.Slice(3 * quarter, quarter));
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < s0.Length; i++)
        {
            a0 += s0[i];
            a1 += s1[i];
            a2 += s2[i];
            a3 += s3[i];
        }

        return Vector.Sum(a0 + a1 + a2 + a3) + TensorPrimitives.Sum(values[(4 * quarter)..]);
    }
}
