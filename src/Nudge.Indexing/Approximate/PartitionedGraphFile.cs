using System.Buffers.Binary;
using System.Text;

namespace Nudge.Indexing.Approximate;

/// <summary>
/// The file format of a <see cref="ProximityGraph"/> split into partitions: the magic <c>NUDGEPG1</c>, the partition
/// count (int32, little-endian), then per partition its first row (int32), its row count (int32) and its byte length
/// (int64), then the partitions' USearch files one after another. A graph of one partition is saved as the plain USearch
/// file instead, so graphs saved before partitions existed still load.
/// </summary>
internal static class PartitionedGraphFile
{
    private const int PartHeaderBytes = 16;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("NUDGEPG1");

    /// <summary>Where one partition's USearch file lies in the saved bytes, and which rows it covers.</summary>
    /// <param name="FirstRow">The partition's first index row.</param>
    /// <param name="Rows">How many consecutive rows it holds.</param>
    /// <param name="Offset">Where its USearch file starts in the saved bytes.</param>
    /// <param name="Length">The USearch file's length.</param>
    public sealed record Part(int FirstRow, int Rows, int Offset, int Length);

    /// <summary>The partitions of saved graph bytes, checked to cover rows 0 to <paramref name="count"/> − 1 in order.</summary>
    /// <exception cref="InvalidDataException">The header is truncated or inconsistent.</exception>
    public static IReadOnlyList<Part> Read(ReadOnlyMemory<byte> saved, int count, string source)
    {
        ReadOnlySpan<byte> bytes = saved.Span;
        if (!bytes.StartsWith(Magic))
        {
            return [new Part(0, count, 0, saved.Length)];
        }

        if (bytes.Length < Magic.Length + 4)
        {
            throw Invalid(source, "its header is truncated");
        }

        int partCount = BinaryPrimitives.ReadInt32LittleEndian(bytes[Magic.Length..]);
        long headerBytes = Magic.Length + 4 + ((long)partCount * PartHeaderBytes);
        if (partCount < 1 || headerBytes > bytes.Length)
        {
            throw Invalid(source, $"it declares {partCount} partitions, which its {bytes.Length:N0} bytes cannot hold");
        }

        var parts = new Part[partCount];
        long offset = headerBytes;
        int nextRow = 0;
        for (int p = 0; p < partCount; p++)
        {
            ReadOnlySpan<byte> header = bytes.Slice(Magic.Length + 4 + (p * PartHeaderBytes), PartHeaderBytes);
            int firstRow = BinaryPrimitives.ReadInt32LittleEndian(header);
            int rows = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
            long length = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
            if (firstRow != nextRow || rows < 1 || length < 1 || offset + length > bytes.Length)
            {
                throw Invalid(source, $"partition {p} (rows {firstRow}+{rows}, {length:N0} bytes at {offset:N0}) does not follow on from row {nextRow} within the file");
            }

            parts[p] = new Part(firstRow, rows, (int)offset, (int)length);
            offset += length;
            nextRow += rows;
        }

        if (nextRow != count || offset != bytes.Length)
        {
            throw Invalid(source, $"its partitions cover {nextRow} rows in {offset:N0} bytes; the index has {count} rows and the file {bytes.Length:N0} bytes");
        }

        return parts;
    }

    /// <summary>Writes the header and the partitions' files (in order) to <paramref name="path"/>.</summary>
    /// <returns>The file's length.</returns>
    public static long Write(string path, IReadOnlyList<Part> parts, IReadOnlyList<string> partFiles)
    {
        using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        output.Write(Magic);
        Span<byte> field = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(field, parts.Count);
        output.Write(field[..4]);
        foreach (Part part in parts)
        {
            BinaryPrimitives.WriteInt32LittleEndian(field, part.FirstRow);
            output.Write(field[..4]);
            BinaryPrimitives.WriteInt32LittleEndian(field, part.Rows);
            output.Write(field[..4]);
            BinaryPrimitives.WriteInt64LittleEndian(field, part.Length);
            output.Write(field);
        }

        foreach (string file in partFiles)
        {
            using FileStream input = File.OpenRead(file);
            input.CopyTo(output);
        }

        return output.Length;
    }

    private static InvalidDataException Invalid(string source, string why) =>
        new($"Proximity graph '{source}' is not a valid partitioned graph: {why}.");
}
