using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nudge.Indexing.Search;

/// <summary>
/// The inner loops of <see cref="ExactScan"/>: dot products of four rows with one, two or (on AVX-512, in 512-bit
/// registers holding two accumulators each) eight queries at once (register-blocked, so each row value loaded from
/// memory serves several queries and each query value several rows), and a float16 variant that converts in registers instead of through a buffer. The four rows come from
/// the four quarters of the span scanned, so memory is read as four sequential streams.
/// </summary>
/// <remarks>
/// Every kernel accumulates a (row, query) dot product the same way: one <see cref="Vector{T}"/> accumulator,
/// <c>acc = row[i..] * query[i..] + acc</c> for i = 0, W, 2W, ... (fused where the hardware has FMA), then
/// <see cref="Vector.Sum{T}(Vector{T})"/>, then the scalar tail in order. So the same row scores bit-identically
/// in every kernel, single or batched, float32 or converted float16 (the float16 → float32 conversion is exact),
/// and ties break the same way in <see cref="EmbeddingIndex.Search"/> and <see cref="EmbeddingIndex.SearchBatch"/>.
/// </remarks>
internal static class DotKernels
{
    /// <summary>2^112 as a float: rebiases a float16 exponent (bias 15) moved into a float32 (bias 127).</summary>
    private const float HalfExponentRebias = 5.192296858534828e+33f;

    /// <summary>Clears the three copies of the sign bit that a sign-extended, 13-bit-shifted float16 leaves in the exponent's top bits.</summary>
    private const int HalfShiftedMask = unchecked((int)0x8FFFFFFF);

    /// <summary>
    /// Whether batches take eight queries per pass with 512-bit multiply-adds, each register holding two (row, query)
    /// accumulators side by side: every lane does exactly what a 256-bit <see cref="Vector{T}"/> lane does, so scores
    /// stay bit-identical to the single-query kernels while twice as many multiply-adds issue per instruction.
    /// </summary>
    private static readonly bool WideQueryPairs = Vector512.IsHardwareAccelerated && Avx512F.IsSupported && Vector<float>.Count == Vector256<float>.Count;

    /// <summary>Whether the vector kernels run in hardware; otherwise the scan uses <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    public static bool Accelerated => Vector.IsHardwareAccelerated && Vector<float>.Count >= 4;

    /// <summary>Whether a float16 row of this dimension can be converted in registers (whole <see cref="Vector{T}"/> of shorts per step).</summary>
    /// <param name="dimension">The dimension.</param>
    /// <returns><see langword="true"/> when the fused float16 kernel applies.</returns>
    public static bool CanFuseHalf(int dimension) => Accelerated && dimension % Vector<short>.Count == 0;

    /// <summary>Offers every row of <paramref name="rows"/> to the heap of every query.</summary>
    /// <param name="rows">Row-major float32 rows.</param>
    /// <param name="firstRow">The index row of the first one.</param>
    /// <param name="dimension">Values per row.</param>
    /// <param name="queries">Row-major unit queries.</param>
    /// <param name="queryCount">Queries.</param>
    /// <param name="heaps">One heap per query.</param>
    public static void ScanRows(ReadOnlySpan<float> rows, int firstRow, int dimension, ReadOnlySpan<float> queries, int queryCount, TopKHeap[] heaps)
    {
        float[]? paired = RentPairedQueries(queries, dimension, queryCount);
        try
        {
            ScanRows(rows, firstRow, dimension, queries, queryCount, heaps, paired);
        }
        finally
        {
            ReturnPairedQueries(paired);
        }
    }

    /// <summary>
    /// The queries laid out for the 8-query pass (<see cref="PairQueries"/>), from the shared pool; null where that pass
    /// does not apply. A scan of several row blocks lays them out once and passes them to each block's <see cref="ScanRows(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, TopKHeap[], float[])"/>.
    /// </summary>
    /// <param name="queries">Row-major unit queries.</param>
    /// <param name="dimension">Values per query.</param>
    /// <param name="queryCount">Queries.</param>
    /// <returns>The layout, or null.</returns>
    public static float[]? RentPairedQueries(ReadOnlySpan<float> queries, int dimension, int queryCount)
    {
        int pairedQueries = PairedCount(dimension, queryCount);
        if (pairedQueries == 0)
        {
            return null;
        }

        float[] paired = ArrayPool<float>.Shared.Rent(pairedQueries * (dimension / 8) * 8);
        PairQueries(queries, dimension, pairedQueries, paired);
        return paired;
    }

    /// <summary>Returns a layout from <see cref="RentPairedQueries"/> to the pool.</summary>
    /// <param name="paired">The layout, or null.</param>
    public static void ReturnPairedQueries(float[]? paired)
    {
        if (paired is not null)
        {
            ArrayPool<float>.Shared.Return(paired);
        }
    }

    /// <summary><see cref="ScanRows(ReadOnlySpan{float}, int, int, ReadOnlySpan{float}, int, TopKHeap[])"/> with the queries already laid out.</summary>
    /// <param name="rows">Row-major float32 rows.</param>
    /// <param name="firstRow">The index row of the first one.</param>
    /// <param name="dimension">Values per row.</param>
    /// <param name="queries">Row-major unit queries.</param>
    /// <param name="queryCount">Queries.</param>
    /// <param name="heaps">One heap per query.</param>
    /// <param name="paired">From <see cref="RentPairedQueries"/> for these queries.</param>
    public static void ScanRows(ReadOnlySpan<float> rows, int firstRow, int dimension, ReadOnlySpan<float> queries, int queryCount, TopKHeap[] heaps, float[]? paired)
    {
        int rowCount = rows.Length / dimension;
        if (!Accelerated)
        {
            for (int r = 0; r < rowCount; r++)
            {
                ReadOnlySpan<float> row = rows.Slice(r * dimension, dimension);
                for (int q = 0; q < queryCount; q++)
                {
                    heaps[q].Offer(TensorPrimitives.Dot(row, queries.Slice(q * dimension, dimension)), firstRow + r);
                }
            }

            return;
        }

        ref float rowBase = ref MemoryMarshal.GetReference(rows);
        ref float queryBase = ref MemoryMarshal.GetReference(queries);
        int pairedQueries = paired is null ? 0 : PairedCount(dimension, queryCount);
        Span<float> scores = stackalloc float[32];
        ScanRowBlocks(ref rowBase, rowCount, firstRow, dimension, ref queryBase, queryCount, heaps, paired, pairedQueries, scores);
    }

    /// <summary>How many of the queries the 8-query pass takes (a multiple of 8; 0 where it does not apply).</summary>
    private static int PairedCount(int dimension, int queryCount) => WideQueryPairs && dimension >= 8 ? queryCount / 8 * 8 : 0;

    private static void ScanRowBlocks(ref float rowBase, int rowCount, int firstRow, int dimension, ref float queryBase, int queryCount, TopKHeap[] heaps,
        float[]? paired, int pairedQueries, Span<float> scores)
    {
        nint d = dimension;

        // Four rows at a time, one from each quarter of the span: four long sequential streams, which the hardware
        // prefetchers follow (four adjacent rows interleaved measured up to twice as slow out of cache).
        int quarter = rowCount / 4;
        nint stride = quarter * d;
        for (int r = 0; r < quarter; r++)
        {
            ref float row = ref Unsafe.Add(ref rowBase, r * d);
            int row0 = firstRow + r;
            int q = 0;
            for (; q < pairedQueries; q += 8)
            {
                Dot4x8Paired(ref row, stride, ref paired![q * (dimension / 8) * 8], ref Unsafe.Add(ref queryBase, q * d), dimension, scores);
                for (int j = 0; j < 8; j++)
                {
                    new Scores4(scores[4 * j], scores[(4 * j) + 1], scores[(4 * j) + 2], scores[(4 * j) + 3]).OfferTo(heaps[q + j], row0, quarter);
                }
            }

            for (; q + 2 <= queryCount; q += 2)
            {
                Dot4x2(ref row, stride, ref Unsafe.Add(ref queryBase, q * d), dimension, out Scores4 a, out Scores4 b);
                a.OfferTo(heaps[q], row0, quarter);
                b.OfferTo(heaps[q + 1], row0, quarter);
            }

            if (q < queryCount)
            {
                Dot4x1(ref row, stride, ref Unsafe.Add(ref queryBase, q * d), dimension, out Scores4 a);
                a.OfferTo(heaps[q], row0, quarter);
            }
        }

        for (int r = 4 * quarter; r < rowCount; r++)
        {
            ref float row = ref Unsafe.Add(ref rowBase, r * d);
            for (int q = 0; q < queryCount; q++)
            {
                heaps[q].Offer(Dot1x1(ref row, ref Unsafe.Add(ref queryBase, q * d), dimension), firstRow + r);
            }
        }
    }

    /// <summary>
    /// Offers every float16 row to one query's heap, converting to float32 in registers
    /// (requires <see cref="CanFuseHalf"/>): the row data crosses the memory bus once, at two bytes a value.
    /// </summary>
    /// <param name="rows">Row-major float16 rows.</param>
    /// <param name="firstRow">The index row of the first one.</param>
    /// <param name="dimension">Values per row.</param>
    /// <param name="query">The unit query.</param>
    /// <param name="heap">Its heap.</param>
    public static void ScanHalfRows(ReadOnlySpan<Half> rows, int firstRow, int dimension, ReadOnlySpan<float> query, TopKHeap heap)
    {
        int rowCount = rows.Length / dimension;
        ref short rowBase = ref Unsafe.As<Half, short>(ref MemoryMarshal.GetReference(rows));
        nint d = dimension;

        // The rows' float16 bits are only shifted into float32 position (see ToSingle), which leaves each value
        // 2^112 too small; the query carries that factor instead. Scaling by a power of two is exact, and so is
        // the product of a row value (11 significant bits) with a query value, so every rounded product and sum
        // is the one the float32 kernels compute on converted rows.
        float[] scaled = ArrayPool<float>.Shared.Rent(dimension);
        try
        {
            TensorPrimitives.Multiply(query, HalfExponentRebias, scaled.AsSpan(0, dimension));
            ref float q = ref MemoryMarshal.GetArrayDataReference(scaled);
            int quarter = rowCount / 4;
            nint stride = quarter * d;
            for (int r = 0; r < quarter; r++)
            {
                HalfDot4x1(ref Unsafe.Add(ref rowBase, r * d), stride, ref q, dimension, out Scores4 s);
                s.OfferTo(heap, firstRow + r, quarter);
            }

            for (int r = 4 * quarter; r < rowCount; r++)
            {
                heap.Offer(HalfDot1x1(ref Unsafe.Add(ref rowBase, r * d), ref q, dimension), firstRow + r);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scaled);
        }
    }

    /// <summary>
    /// Converts float16 to float32 exactly for every finite value (normal, subnormal, zero). Infinity and NaN,
    /// which unit-vector storage never holds, come out as finite values of magnitude 65536 to 131008.
    /// </summary>
    /// <param name="source">The float16 values.</param>
    /// <param name="destination">At least as many float32 values.</param>
    public static void HalfToSingle(ReadOnlySpan<Half> source, Span<float> destination)
    {
        if (!Accelerated)
        {
            TensorPrimitives.ConvertToSingle(source, destination);
            return;
        }

        int w = Vector<short>.Count, n = source.Length;
        ref short src = ref Unsafe.As<Half, short>(ref MemoryMarshal.GetReference(source));
        ref float dst = ref MemoryMarshal.GetReference(destination[..n]);
        int i = 0;
        for (; i + w <= n; i += w)
        {
            LoadWidened(ref src, i, out Vector<int> lo, out Vector<int> hi);
            (Unscaled(lo) * new Vector<float>(HalfExponentRebias)).StoreUnsafe(ref dst, (nuint)i);
            (Unscaled(hi) * new Vector<float>(HalfExponentRebias)).StoreUnsafe(ref dst, (nuint)(i + Vector<int>.Count));
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref dst, i) = (float)source[i];
        }
    }

    /// <summary>
    /// Sign-extended float16 bits → float32 bits, 2^112 too small: shifting left by 13 puts the exponent and
    /// mantissa where float32 keeps them and the sign in bit 31 (bits 28–30 get copies of it, cleared by the mask).
    /// Times 2^112 (which rebiases the exponent from 15 to 127) this is the float16 value exactly, subnormals
    /// included: a float32 subnormal times 2^112 is exactly the float16 subnormal with the same mantissa.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Unscaled(Vector<int> signExtendedHalves) =>
        Vector.AsVectorSingle(Vector.ShiftLeft(signExtendedHalves, 13) & new Vector<int>(HalfShiftedMask));

    /// <summary>Loads <c>2 × Vector&lt;int&gt;.Count</c> shorts from <paramref name="source"/> + <paramref name="offset"/>, sign-extended to ints.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadWidened(ref short source, nint offset, out Vector<int> lo, out Vector<int> hi)
    {
        if (Avx2.IsSupported && Vector<int>.Count == Vector256<int>.Count)
        {
            // vpmovsxwd with a memory operand: load and widen in one instruction per eight values.
            lo = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, (nuint)offset)).AsVector();
            hi = Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref source, (nuint)(offset + 8))).AsVector();
        }
        else
        {
            Vector.Widen(Vector.LoadUnsafe(ref source, (nuint)offset), out lo, out hi);
        }
    }

    // The kernels take a ref per row and per query, computed once outside the loop, so that every load in the
    // loop is [base + 4 * i]: address arithmetic recomputed per load cost a third of the batch kernel's time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x2(ref float row, nint stride, ref float query, int dimension, out Scores4 first, out Scores4 second)
    {
        ref float row1 = ref Unsafe.Add(ref row, stride);
        ref float row2 = ref Unsafe.Add(ref row, 2 * stride);
        ref float row3 = ref Unsafe.Add(ref row, 3 * stride);
        ref float query1 = ref Unsafe.Add(ref query, dimension);
        int w = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default;
        nint i = 0;
        for (; i <= dimension - w; i += w)
        {
            Vector<float> q0 = Vector.LoadUnsafe(ref query, (nuint)i);
            Vector<float> q1 = Vector.LoadUnsafe(ref query1, (nuint)i);
            Vector<float> r0 = Vector.LoadUnsafe(ref row, (nuint)i);
            Vector<float> r1 = Vector.LoadUnsafe(ref row1, (nuint)i);
            Vector<float> r2 = Vector.LoadUnsafe(ref row2, (nuint)i);
            Vector<float> r3 = Vector.LoadUnsafe(ref row3, (nuint)i);
            a0 = Vector.MultiplyAddEstimate(r0, q0, a0);
            a1 = Vector.MultiplyAddEstimate(r1, q0, a1);
            a2 = Vector.MultiplyAddEstimate(r2, q0, a2);
            a3 = Vector.MultiplyAddEstimate(r3, q0, a3);
            b0 = Vector.MultiplyAddEstimate(r0, q1, b0);
            b1 = Vector.MultiplyAddEstimate(r1, q1, b1);
            b2 = Vector.MultiplyAddEstimate(r2, q1, b2);
            b3 = Vector.MultiplyAddEstimate(r3, q1, b3);
        }

        first = new Scores4(Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3));
        second = new Scores4(Vector.Sum(b0), Vector.Sum(b1), Vector.Sum(b2), Vector.Sum(b3));
        for (int t = (int)i; t < dimension; t++)
        {
            float q0 = Unsafe.Add(ref query, t), q1 = Unsafe.Add(ref query1, t);
            float r0 = Unsafe.Add(ref row, t), r1 = Unsafe.Add(ref row1, t), r2 = Unsafe.Add(ref row2, t), r3 = Unsafe.Add(ref row3, t);
            first = new Scores4(first.S0 + (r0 * q0), first.S1 + (r1 * q0), first.S2 + (r2 * q0), first.S3 + (r3 * q0));
            second = new Scores4(second.S0 + (r0 * q1), second.S1 + (r1 * q1), second.S2 + (r2 * q1), second.S3 + (r3 * q1));
        }
    }

    /// <summary>
    /// Lays out the first <paramref name="count"/> (a multiple of 8) queries for <see cref="Dot4x8Paired"/>: per group of
    /// eight, per 8-value chunk of the dimension, four 16-float blocks, each chunk of query 2j followed by that of 2j + 1.
    /// </summary>
    private static void PairQueries(ReadOnlySpan<float> queries, int dimension, int count, float[] paired)
    {
        int chunks = dimension / 8;
        for (int g = 0; g < count / 8; g++)
        {
            for (int c = 0; c < chunks; c++)
            {
                for (int j = 0; j < 4; j++)
                {
                    int to = (((g * chunks) + c) * 64) + (16 * j);
                    queries.Slice(((8 * g) + (2 * j)) * dimension + (8 * c), 8).CopyTo(paired.AsSpan(to, 8));
                    queries.Slice(((8 * g) + (2 * j) + 1) * dimension + (8 * c), 8).CopyTo(paired.AsSpan(to + 8, 8));
                }
            }
        }
    }

    /// <summary>Four rows against eight queries (laid out by <see cref="PairQueries"/>); scores[4 × query + row].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x8Paired(ref float row, nint stride, ref float pairs, ref float query, int dimension, Span<float> scores)
    {
        ref float row1 = ref Unsafe.Add(ref row, stride);
        ref float row2 = ref Unsafe.Add(ref row, 2 * stride);
        ref float row3 = ref Unsafe.Add(ref row, 3 * stride);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default;
        Vector512<float> e0 = default, e1 = default, e2 = default, e3 = default;
        int chunks = dimension / 8;
        for (nint c = 0; c < chunks; c++)
        {
            nuint i = (nuint)(c * 8), o = (nuint)(c * 64);
            Vector512<float> r0 = Vector512.Create(Vector256.LoadUnsafe(ref row, i));
            Vector512<float> r1 = Vector512.Create(Vector256.LoadUnsafe(ref row1, i));
            Vector512<float> r2 = Vector512.Create(Vector256.LoadUnsafe(ref row2, i));
            Vector512<float> r3 = Vector512.Create(Vector256.LoadUnsafe(ref row3, i));
            Vector512<float> q = Vector512.LoadUnsafe(ref pairs, o);
            a0 = Vector512.FusedMultiplyAdd(r0, q, a0);
            a1 = Vector512.FusedMultiplyAdd(r1, q, a1);
            a2 = Vector512.FusedMultiplyAdd(r2, q, a2);
            a3 = Vector512.FusedMultiplyAdd(r3, q, a3);
            q = Vector512.LoadUnsafe(ref pairs, o + 16);
            b0 = Vector512.FusedMultiplyAdd(r0, q, b0);
            b1 = Vector512.FusedMultiplyAdd(r1, q, b1);
            b2 = Vector512.FusedMultiplyAdd(r2, q, b2);
            b3 = Vector512.FusedMultiplyAdd(r3, q, b3);
            q = Vector512.LoadUnsafe(ref pairs, o + 32);
            c0 = Vector512.FusedMultiplyAdd(r0, q, c0);
            c1 = Vector512.FusedMultiplyAdd(r1, q, c1);
            c2 = Vector512.FusedMultiplyAdd(r2, q, c2);
            c3 = Vector512.FusedMultiplyAdd(r3, q, c3);
            q = Vector512.LoadUnsafe(ref pairs, o + 48);
            e0 = Vector512.FusedMultiplyAdd(r0, q, e0);
            e1 = Vector512.FusedMultiplyAdd(r1, q, e1);
            e2 = Vector512.FusedMultiplyAdd(r2, q, e2);
            e3 = Vector512.FusedMultiplyAdd(r3, q, e3);
        }

        // Lower half: query 2j; upper half: query 2j + 1. Summed as Vector<float>, as every other kernel sums.
        SumPair(a0, a1, a2, a3, scores, 0);
        SumPair(b0, b1, b2, b3, scores, 2);
        SumPair(c0, c1, c2, c3, scores, 4);
        SumPair(e0, e1, e2, e3, scores, 6);
        for (int t = chunks * 8; t < dimension; t++)
        {
            float r0 = Unsafe.Add(ref row, t), r1 = Unsafe.Add(ref row1, t), r2 = Unsafe.Add(ref row2, t), r3 = Unsafe.Add(ref row3, t);
            for (int j = 0; j < 8; j++)
            {
                float qv = Unsafe.Add(ref query, (j * dimension) + t);
                scores[4 * j] += r0 * qv;
                scores[(4 * j) + 1] += r1 * qv;
                scores[(4 * j) + 2] += r2 * qv;
                scores[(4 * j) + 3] += r3 * qv;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SumPair(Vector512<float> s0, Vector512<float> s1, Vector512<float> s2, Vector512<float> s3, Span<float> scores, int firstQuery)
    {
        int lo = 4 * firstQuery, hi = lo + 4;
        scores[lo] = Vector.Sum(s0.GetLower().AsVector());
        scores[lo + 1] = Vector.Sum(s1.GetLower().AsVector());
        scores[lo + 2] = Vector.Sum(s2.GetLower().AsVector());
        scores[lo + 3] = Vector.Sum(s3.GetLower().AsVector());
        scores[hi] = Vector.Sum(s0.GetUpper().AsVector());
        scores[hi + 1] = Vector.Sum(s1.GetUpper().AsVector());
        scores[hi + 2] = Vector.Sum(s2.GetUpper().AsVector());
        scores[hi + 3] = Vector.Sum(s3.GetUpper().AsVector());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4x1(ref float row, nint stride, ref float query, int dimension, out Scores4 scores)
    {
        ref float row1 = ref Unsafe.Add(ref row, stride);
        ref float row2 = ref Unsafe.Add(ref row, 2 * stride);
        ref float row3 = ref Unsafe.Add(ref row, 3 * stride);
        int w = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nint i = 0;
        for (; i <= dimension - w; i += w)
        {
            Vector<float> q = Vector.LoadUnsafe(ref query, (nuint)i);
            a0 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref row, (nuint)i), q, a0);
            a1 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref row1, (nuint)i), q, a1);
            a2 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref row2, (nuint)i), q, a2);
            a3 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref row3, (nuint)i), q, a3);
        }

        scores = new Scores4(Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3));
        for (int t = (int)i; t < dimension; t++)
        {
            float q = Unsafe.Add(ref query, t);
            scores = new Scores4(
                scores.S0 + (Unsafe.Add(ref row, t) * q),
                scores.S1 + (Unsafe.Add(ref row1, t) * q),
                scores.S2 + (Unsafe.Add(ref row2, t) * q),
                scores.S3 + (Unsafe.Add(ref row3, t) * q));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Dot1x1(ref float row, ref float query, int dimension)
    {
        int w = Vector<float>.Count;
        Vector<float> a = default;
        int i = 0;
        for (; i + w <= dimension; i += w)
        {
            a = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref row, (nuint)i), Vector.LoadUnsafe(ref query, (nuint)i), a);
        }

        float s = Vector.Sum(a);
        for (; i < dimension; i++)
        {
            s += Unsafe.Add(ref row, i) * Unsafe.Add(ref query, i);
        }

        return s;
    }

    /// <summary>Four float16 rows against a query pre-scaled by 2^112 (see <see cref="ScanHalfRows"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HalfDot4x1(ref short row, nint stride, ref float scaledQuery, int dimension, out Scores4 scores)
    {
        ref short row1 = ref Unsafe.Add(ref row, stride);
        ref short row2 = ref Unsafe.Add(ref row, 2 * stride);
        ref short row3 = ref Unsafe.Add(ref row, 3 * stride);
        int w = Vector<short>.Count, wf = Vector<float>.Count;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (nint i = 0; i < dimension; i += w)
        {
            Vector<float> qlo = Vector.LoadUnsafe(ref scaledQuery, (nuint)i);
            Vector<float> qhi = Vector.LoadUnsafe(ref scaledQuery, (nuint)(i + wf));
            LoadWidened(ref row, i, out Vector<int> lo, out Vector<int> hi);
            a0 = Vector.MultiplyAddEstimate(Unscaled(lo), qlo, a0);
            a0 = Vector.MultiplyAddEstimate(Unscaled(hi), qhi, a0);
            LoadWidened(ref row1, i, out lo, out hi);
            a1 = Vector.MultiplyAddEstimate(Unscaled(lo), qlo, a1);
            a1 = Vector.MultiplyAddEstimate(Unscaled(hi), qhi, a1);
            LoadWidened(ref row2, i, out lo, out hi);
            a2 = Vector.MultiplyAddEstimate(Unscaled(lo), qlo, a2);
            a2 = Vector.MultiplyAddEstimate(Unscaled(hi), qhi, a2);
            LoadWidened(ref row3, i, out lo, out hi);
            a3 = Vector.MultiplyAddEstimate(Unscaled(lo), qlo, a3);
            a3 = Vector.MultiplyAddEstimate(Unscaled(hi), qhi, a3);
        }

        scores = new Scores4(Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HalfDot1x1(ref short row, ref float scaledQuery, int dimension)
    {
        int w = Vector<short>.Count, wf = Vector<float>.Count;
        Vector<float> a = default;
        for (int i = 0; i < dimension; i += w)
        {
            LoadWidened(ref row, i, out Vector<int> lo, out Vector<int> hi);
            a = Vector.MultiplyAddEstimate(Unscaled(lo), Vector.LoadUnsafe(ref scaledQuery, (nuint)i), a);
            a = Vector.MultiplyAddEstimate(Unscaled(hi), Vector.LoadUnsafe(ref scaledQuery, (nuint)(i + wf)), a);
        }

        return Vector.Sum(a);
    }

    /// <summary>The scores of four rows, <c>rowStride</c> rows apart, against one query.</summary>
    private readonly record struct Scores4(float S0, float S1, float S2, float S3)
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void OfferTo(TopKHeap heap, int firstRow, int rowStride)
        {
            heap.Offer(S0, firstRow);
            heap.Offer(S1, firstRow + rowStride);
            heap.Offer(S2, firstRow + (2 * rowStride));
            heap.Offer(S3, firstRow + (3 * rowStride));
        }
    }
}
