using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Nudge.Indexing;

/// <summary>The contiguous row-major array behind an <see cref="EmbeddingIndex"/>, filled row by row or from shard bytes.</summary>
internal sealed class EmbeddingMatrixBuilder
{
    public EmbeddingMatrixBuilder(EmbeddingStorageType storageType, int rowCount, int dimension)
    {
        long length = (long)rowCount * dimension;
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException(
                $"{rowCount} rows of dimension {dimension} exceed the largest array .NET can allocate; split the index.");
        }

        Dimension = dimension;
        if (storageType == EmbeddingStorageType.Float32)
        {
            Singles = new float[length];
        }
        else
        {
            Halves = new Half[length];
        }
    }

    public int Dimension { get; }

    public float[]? Singles { get; }

    public Half[]? Halves { get; }

    public static int BytesPerValue(EmbeddingStorageType storageType) => storageType == EmbeddingStorageType.Float32 ? sizeof(float) : 2;

    /// <summary>Fills rows from a shard's little-endian bytes (safe to call concurrently for disjoint rows).</summary>
    public void CopyRows(int firstRow, ReadOnlySpan<byte> shardBytes)
    {
        if (Singles is not null)
        {
            MemoryMarshal.Cast<byte, float>(shardBytes).CopyTo(Singles.AsSpan(firstRow * Dimension));
        }
        else
        {
            MemoryMarshal.Cast<byte, Half>(shardBytes).CopyTo(Halves.AsSpan(firstRow * Dimension));
        }
    }

    public void SetRow(int row, ReadOnlySpan<float> unitVector)
    {
        if (Singles is not null)
        {
            unitVector.CopyTo(Singles.AsSpan(row * Dimension, Dimension));
        }
        else
        {
            TensorPrimitives.ConvertToHalf(unitVector, Halves.AsSpan(row * Dimension, Dimension));
        }
    }
}
