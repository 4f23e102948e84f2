using System.Buffers;
using System.Numerics.Tensors;

namespace Nudge.Indexing.Search;

/// <summary>
/// Exact top-k inner-product search over row-major embeddings (float32 or float16): one pass over the rows,
/// a dot product per (row, query), a fixed-size heap per query. Large scans are split into row chunks that run
/// in parallel, each with its own heaps, merged at the end. Nothing is allocated per row.
/// </summary>
internal static class ExactScan
{
    /// <summary>Rows converted from float16 at a time (a block of 64 x 512 floats stays in L2).</summary>
    private const int HalfBlockRows = 64;

    /// <summary>Fewest rows worth a parallel chunk.</summary>
    private const int MinRowsPerChunk = 4096;

    /// <summary>
    /// Scans <paramref name="rowCount"/> rows of <paramref name="dimension"/> values (exactly one of
    /// <paramref name="singles"/> and <paramref name="halves"/> is set) against <paramref name="queryCount"/>
    /// unit queries, returning each query's best <paramref name="k"/> rows, best first.
    /// </summary>
    public static (float Score, int Row)[][] TopK(
        float[]? singles,
        Half[]? halves,
        int rowCount,
        int dimension,
        float[] queries,
        int queryCount,
        int k,
        long parallelThreshold)
    {
        long work = (long)rowCount * dimension * queryCount;
        int chunkCount = work > parallelThreshold && Environment.ProcessorCount > 1
            ? Math.Max(1, Math.Min(Environment.ProcessorCount * 2, rowCount / MinRowsPerChunk))
            : 1;

        TopKHeap[][] chunkHeaps = new TopKHeap[chunkCount][];
        if (chunkCount == 1)
        {
            chunkHeaps[0] = ScanChunk(singles, halves, 0, rowCount, dimension, queries, queryCount, k);
        }
        else
        {
            int rowsPerChunk = (rowCount + chunkCount - 1) / chunkCount;
            Parallel.For(0, chunkCount, chunk =>
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
            ScanRows(singles.AsSpan(startRow * dimension, (endRow - startRow) * dimension), startRow, dimension, queries, queryCount, heaps);
            return heaps;
        }

        float[] buffer = ArrayPool<float>.Shared.Rent(HalfBlockRows * dimension);
        try
        {
            for (int blockStart = startRow; blockStart < endRow; blockStart += HalfBlockRows)
            {
                int rows = Math.Min(HalfBlockRows, endRow - blockStart);
                Span<float> block = buffer.AsSpan(0, rows * dimension);
                TensorPrimitives.ConvertToSingle(halves.AsSpan(blockStart * dimension, rows * dimension), block);
                ScanRows(block, blockStart, dimension, queries, queryCount, heaps);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }

        return heaps;
    }

    private static void ScanRows(ReadOnlySpan<float> rows, int firstRow, int dimension, float[] queries, int queryCount, TopKHeap[] heaps)
    {
        int rowCount = rows.Length / dimension;
        if (queryCount == 1)
        {
            ReadOnlySpan<float> query = queries.AsSpan(0, dimension);
            TopKHeap heap = heaps[0];
            for (int r = 0; r < rowCount; r++)
            {
                heap.Offer(TensorPrimitives.Dot(rows.Slice(r * dimension, dimension), query), firstRow + r);
            }

            return;
        }

        for (int r = 0; r < rowCount; r++)
        {
            ReadOnlySpan<float> row = rows.Slice(r * dimension, dimension);
            for (int q = 0; q < queryCount; q++)
            {
                heaps[q].Offer(TensorPrimitives.Dot(row, queries.AsSpan(q * dimension, dimension)), firstRow + r);
            }
        }
    }
}
