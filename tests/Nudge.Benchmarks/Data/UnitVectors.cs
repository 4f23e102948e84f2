using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nudge.Benchmarks.Data;

/// <summary>
/// Random unit vectors (directions uniform on the sphere: normalized standard normals, float32 Box–Muller), generated in parallel
/// yet deterministically: block b of 1024 rows is drawn from SplitMix64 seeded with <c>seed ^ (b · φ)</c>, so a
/// prefix of N rows is the same whatever the total. The same bytes go to the peer as a raw float32 file.
/// </summary>
public static class UnitVectors
{
    private const int BlockRows = 1024;

    /// <summary>Generates <paramref name="rows"/> × <paramref name="dimension"/> unit vectors, row-major.</summary>
    /// <param name="rows">Rows.</param>
    /// <param name="dimension">Dimension.</param>
    /// <param name="seed">Seed.</param>
    /// <returns>The matrix.</returns>
    public static float[] Generate(int rows, int dimension, ulong seed)
    {
        float[] data = GC.AllocateUninitializedArray<float>(checked(rows * dimension));
        int blocks = (rows + BlockRows - 1) / BlockRows;
        Parallel.For(0, blocks, b =>
        {
            ulong state = seed ^ ((ulong)(b + 1) * 0x9E3779B97F4A7C15UL);
            int first = b * BlockRows, count = Math.Min(BlockRows, rows - first);
            Span<float> block = data.AsSpan(first * dimension, count * dimension);

            // Box–Muller, vectorized, in pieces of 2 × 2048 values: radius from u1 in (0, 1], angle from u2 in [0, 1);
            // the cosines fill the first half of a piece, the sines the second.
            const int piece = 2048;
            Span<float> u1 = stackalloc float[piece], u2 = stackalloc float[piece], sin = stackalloc float[piece];
            for (int start = 0; start < block.Length; start += 2 * piece)
            {
                Span<float> target = block.Slice(start, Math.Min(2 * piece, block.Length - start));
                int half = (target.Length + 1) / 2;
                for (int i = 0; i < half; i++)
                {
                    u1[i] = ((SplitMix(ref state) >> 40) + 1) * (1f / (1 << 24));
                    u2[i] = (SplitMix(ref state) >> 40) * (1f / (1 << 24));
                }

                Span<float> r1 = u1[..half], a2 = u2[..half], s2 = sin[..half];
                TensorPrimitives.Log(r1, r1);
                TensorPrimitives.Multiply(r1, -2f, r1);
                TensorPrimitives.Sqrt(r1, r1);
                TensorPrimitives.Multiply(a2, 2 * MathF.PI, a2);
                TensorPrimitives.SinCos(a2, s2, a2);
                TensorPrimitives.Multiply(r1, a2, target[..half]);
                TensorPrimitives.Multiply(r1[..(target.Length - half)], s2[..(target.Length - half)], target[half..]);
            }

            for (int r = 0; r < count; r++)
            {
                Span<float> row = block.Slice(r * dimension, dimension);
                TensorPrimitives.Divide(row, TensorPrimitives.Norm(row), row);
            }
        });
        return data;
    }

    /// <summary>Writes the first <paramref name="rows"/> rows as raw little-endian float32.</summary>
    /// <param name="path">The file.</param>
    /// <param name="data">The matrix.</param>
    /// <param name="rows">Rows to write.</param>
    /// <param name="dimension">Dimension.</param>
    public static void WriteRaw(string path, float[] data, int rows, int dimension)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        int length = rows * dimension;
        const int chunk = 1 << 24;
        for (int offset = 0; offset < length; offset += chunk)
        {
            stream.Write(MemoryMarshal.AsBytes(data.AsSpan(offset, Math.Min(chunk, length - offset))));
        }
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
