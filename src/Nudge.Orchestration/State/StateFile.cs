using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using Nudge.Engine.Generation;

namespace Nudge.Orchestration.State;

/// <summary>
/// The binary layout of the state one activity leaves for the next: a magic tag, a JSON header, then raw sections
/// (PNG bytes, little-endian float32 tensors). Tensors are stored bit for bit, so a restart from a stored state gives
/// the same pixels as the in-process loop.
/// </summary>
internal static class StateFile
{
    private static ReadOnlySpan<byte> Magic => "NUDGEST1"u8;

    /// <summary>Writes a header and sections.</summary>
    public static byte[] Write<THeader>(THeader header, IReadOnlyList<ReadOnlyMemory<byte>> sections)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(header, ImageRecord.JsonOptions);
        long size = Magic.Length + 4 + json.Length + 4 + sections.Sum(s => 8L + s.Length);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        int at = Magic.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], json.Length);
        json.CopyTo(span[(at + 4)..]);
        at += 4 + json.Length;
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], sections.Count);
        at += 4;
        foreach (var s in sections)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span[at..], s.Length);
            s.Span.CopyTo(span[(at + 8)..]);
            at += 8 + s.Length;
        }

        return bytes;
    }

    /// <summary>Reads what <see cref="Write{THeader}"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a complete state file.</exception>
    public static (THeader Header, ReadOnlyMemory<byte>[] Sections) Read<THeader>(ReadOnlyMemory<byte> data, string what)
    {
        var span = data.Span;
        if (span.Length < Magic.Length + 8 || !span[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{what} is not a Nudge state file.");
        }

        int at = Magic.Length;
        int jsonLength = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        at += 4;
        if (jsonLength < 0 || jsonLength > span.Length - at - 4)
        {
            throw new InvalidDataException($"{what} is truncated (header).");
        }

        var header = JsonSerializer.Deserialize<THeader>(span.Slice(at, jsonLength), ImageRecord.JsonOptions)
            ?? throw new InvalidDataException($"{what} has an empty header.");
        at += jsonLength;
        int count = BinaryPrimitives.ReadInt32LittleEndian(span[at..]);
        at += 4;
        var sections = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            if (span.Length - at < 8)
            {
                throw new InvalidDataException($"{what} is truncated (section {i}).");
            }

            long length = BinaryPrimitives.ReadInt64LittleEndian(span[at..]);
            at += 8;
            if (length < 0 || length > span.Length - at)
            {
                throw new InvalidDataException($"{what} is truncated (section {i}).");
            }

            sections[i] = data.Slice(at, (int)length);
            at += (int)length;
        }

        if (at != span.Length)
        {
            throw new InvalidDataException($"{what} has {span.Length - at} bytes after its last section.");
        }

        return (header, sections);
    }

    /// <summary>A tensor's bytes, as stored.</summary>
    public static ReadOnlyMemory<byte> Bytes(float[] tensor)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("State files store little-endian float32.");
        }

        return MemoryMarshal.AsBytes(tensor.AsSpan()).ToArray();
    }

    /// <summary>A stored tensor.</summary>
    public static float[] Floats(ReadOnlyMemory<byte> section)
    {
        if (section.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"A tensor section of {section.Length} bytes is not whole float32 values.");
        }

        return MemoryMarshal.Cast<byte, float>(section.Span).ToArray();
    }
}
