using System.Buffers;

namespace Nudge.Indexing.Search;

/// <summary>
/// Exact top-k inner-product search over row-major embeddings (float32 or float16): one pass over the rows,
/// a dot product per (row, query), a fixed-size heap per query. Large scans are split into row chunks that run
/// in parallel, each with its own heaps, merged at the end. Nothing is allocated per row.
/// The dot products are register-blocked (<see cref="DotKernels"/>): four rows against two queries at a time, so
/// a batch loads each row from memory once for all its queries; a single float16 query converts in registers,
/// a float16 batch converts blocks of rows that stay in cache and are then shared by all queries.
/// </summary>
internal static class ExactScan
{
    /// <summary>Rows converted from float16 at a time for a batch (a block of 32 x 768 floats stays in L2).</summary>
    private const int HalfBlockRows = 32;

    /// <summary>Fewest rows worth a parallel chunk.</summary>
    private const int MinRowsPerChunk = 4096;

    /// <summary>
    /// Scans <paramref name="rowCount"/> rows of <paramref name="dimension"/> values (exactly one of
    /// <paramref name="singles"/> and <paramref name="halves"/> is set) against <paramref name="queryCount"/>
    /// unit queries, returning each query's best <paramref name="k"/> rows, best first, on at most
    /// <paramref name="maxThreads"/> threads (0: every core).
    /// </summary>
    public static (float Score, int Row)[][] TopK(
        float[]? singles,
        Half[]? halves,
        int rowCount,
        int dimension,
        float[] queries,
        int queryCount,
        int k,
        long parallelThreshold,
        int maxThreads = 0)
    {
        long work = (long)rowCount * dimension * queryCount;
        int threads = maxThreads > 0 ? Math.Min(maxThreads, Environment.ProcessorCount) : Environment.ProcessorCount;
        // A few chunks per core, so that a core slowed by other work does not hold up the whole scan.
        int chunkCount = work > parallelThreshold && threads > 1
            ? Math.Max(1, Math.Min(threads * 4, rowCount / MinRowsPerChunk))
            : 1;

        TopKHeap[][] chunkHeaps = new TopKHeap[chunkCount][];
        if (chunkCount == 1)
        {
            chunkHeaps[0] = ScanChunk(singles, halves, 0, rowCount, dimension, queries, queryCount, k);
        }
        else
        {
            int rowsPerChunk = (rowCount + chunkCount - 1) / chunkCount;
            Parallel.For(0, chunkCount, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
            {
                int start = chunk * rowsPerChunk;
                int end = Math.Min(rowCount, start + rowsPerChunk);
                chunkHeaps[chunk] = ScanChunk(singles, halves, start, end, dimension, queries, queryCount, k);
            });
        }

        var results = new (float Score, int Row)[queryCount][];
        for (int q = 0; q < queryCount; q++)
        {
            TopKHeap merged = chunkHeaps[0][q];
            for (int chunk = 1; chunk < chunkCount; chunk++)
            {
                merged.OfferAll(chunkHeaps[chunk][q]);
            }

            results[q] = merged.ToSortedArray();
        }

        return results;
    }

    private static TopKHeap[] ScanChunk(
        float[]? singles,
        Half[]? halves,
        int startRow,
        int endRow,
        int dimension,
        float[] queries,
        int queryCount,
        int k)
    {
        var heaps = new TopKHeap[queryCount];
        for (int q = 0; q < queryCount; q++)
        {
            heaps[q] = new TopKHeap(k);
        }

        if (startRow >= endRow)
        {
            return heaps;
        }

        if (singles is not null)
        {
            DotKernels.ScanRows(singles.AsSpan(startRow * dimension, (endRow - startRow) * dimension), startRow, dimension, queries, queryCount, heaps);
            return heaps;
        }

        if (queryCount == 1 && DotKernels.CanFuseHalf(dimension))
        {
            DotKernels.ScanHalfRows(halves.AsSpan(startRow * dimension, (endRow - startRow) * dimension), startRow, dimension, queries, heaps[0]);
            return heaps;
        }

        float[] buffer = ArrayPool<float>.Shared.Rent(HalfBlockRows * dimension);
        float[]? paired = DotKernels.RentPairedQueries(queries, dimension, queryCount); // once for all the blocks
        try
        {
            for (int blockStart = startRow; blockStart < endRow; blockStart += HalfBlockRows)
            {
                int rows = Math.Min(HalfBlockRows, endRow - blockStart);
                Span<float> block = buffer.AsSpan(0, rows * dimension);
                DotKernels.HalfToSingle(halves.AsSpan(blockStart * dimension, rows * dimension), block);
                DotKernels.ScanRows(block, blockStart, dimension, queries, queryCount, heaps, paired);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
            DotKernels.ReturnPairedQueries(paired);
        }

        return heaps;
    }
}
