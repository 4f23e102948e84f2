using System.Buffers.Binary;

namespace Nudge.Mitigation.Tests.Intake;

/// <summary>
/// A bounded, deterministic mutation fuzzer for image files: byte flips, truncation, random header bytes, size
/// fields set to 0, −1, INT32_MIN and INT32_MAX (and their 16-bit and 8-bit counterparts), repeated slices, and
/// pairs of these. Size fields are found per format from the seed's own header.
/// </summary>
internal sealed class IntakeFuzzer(int seed)
{
    private static readonly long[] HostileValues = [0, -1, int.MinValue, int.MaxValue, 1, 0xFFFF, 0x7FFF, 0x10000];

    private readonly Random _random = new(seed);

    public byte[] Mutate(byte[] input)
    {
        var data = (byte[])input.Clone();
        int operations = _random.Next(4) == 0 ? 2 : 1;
        for (int i = 0; i < operations; i++)
        {
            data = _random.Next(6) switch
            {
                0 => FlipBytes(data),
                1 => Truncate(data),
                2 => RandomHeaderBytes(data),
                3 or 4 => HostileSizeField(data),
                _ => RepeatSlice(data),
            };
        }

        return data;
    }

    private byte[] FlipBytes(byte[] data)
    {
        int flips = 1 + _random.Next(8);
        for (int i = 0; i < flips && data.Length > 0; i++)
        {
            data[_random.Next(data.Length)] ^= (byte)(1 + _random.Next(255));
        }

        return data;
    }

    private byte[] Truncate(byte[] data) => data[.._random.Next(data.Length)];

    private byte[] RandomHeaderBytes(byte[] data)
    {
        int start = _random.Next(Math.Min(data.Length, 64));
        int length = Math.Min(data.Length - start, 1 + _random.Next(8));
        _random.NextBytes(data.AsSpan(start, length));
        return data;
    }

    private byte[] RepeatSlice(byte[] data)
    {
        int start = _random.Next(data.Length);
        int length = Math.Min(data.Length - start, 1 + _random.Next(4096));
        int at = _random.Next(data.Length);
        return [.. data[..at], .. data.AsSpan(start, length), .. data[at..]];
    }

    private byte[] HostileSizeField(byte[] data)
    {
        var fields = SizeFields(data);
        if (fields.Count == 0)
        {
            return FlipBytes(data);
        }

        var (offset, width, bigEndian) = fields[_random.Next(fields.Count)];
        long value = HostileValues[_random.Next(HostileValues.Length)];
        var span = data.AsSpan(offset, width);
        switch (width, bigEndian)
        {
            case (4, true): BinaryPrimitives.WriteInt32BigEndian(span, unchecked((int)value)); break;
            case (4, false): BinaryPrimitives.WriteInt32LittleEndian(span, unchecked((int)value)); break;
            case (2, true): BinaryPrimitives.WriteUInt16BigEndian(span, unchecked((ushort)value)); break;
            case (2, false): BinaryPrimitives.WriteUInt16LittleEndian(span, unchecked((ushort)value)); break;
            default: span[0] = unchecked((byte)value); break;
        }

        return data;
    }

    /// <summary>(offset, width in bytes, big-endian) of the size and length fields in a file's header.</summary>
    internal static List<(int Offset, int Width, bool BigEndian)> SizeFields(byte[] d)
    {
        var fields = new List<(int, int, bool)>();
        void Add(int offset, int width, bool bigEndian)
        {
            if (offset >= 0 && offset + width <= d.Length)
            {
                fields.Add((offset, width, bigEndian));
            }
        }

        if (d.Length > 8 && d[0] == 0x89 && d[1] == (byte)'P')
        {
            // IHDR width, height, and the length field of every chunk.
            Add(16, 4, true);
            Add(20, 4, true);
            for (int at = 8; at + 8 <= d.Length;)
            {
                Add(at, 4, true);
                long next = at + 12L + BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(at));
                at = next > d.Length ? d.Length : (int)next;
            }
        }
        else if (d.Length > 2 && d[0] == 0xFF && d[1] == 0xD8)
        {
            // Every marker segment's length, and SOFn height and width.
            for (int at = 2; at + 4 <= d.Length && d[at] == 0xFF;)
            {
                byte marker = d[at + 1];
                Add(at + 2, 2, true);
                if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
                {
                    Add(at + 5, 2, true);
                    Add(at + 7, 2, true);
                }

                if (marker == 0xDA)
                {
                    break;
                }

                at += 2 + BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(at + 2));
            }
        }
        else if (d.Length > 10 && d[0] == (byte)'G' && d[1] == (byte)'I')
        {
            // Logical screen, and every image descriptor's position and size.
            Add(6, 2, false);
            Add(8, 2, false);
            for (int at = 13; at + 10 <= d.Length; at++)
            {
                if (d[at] == 0x2C)
                {
                    for (int k = 1; k <= 7; k += 2)
                    {
                        Add(at + k, 2, false);
                    }
                }
            }
        }
        else if (d.Length > 12 && d[0] == (byte)'R' && d[8] == (byte)'W')
        {
            // RIFF size, the first chunk's size, VP8X canvas, VP8L packed size, VP8 frame size.
            Add(4, 4, false);
            Add(16, 4, false);
            Add(24, 2, false);
            Add(27, 2, false);
            Add(21, 4, false);
            Add(26, 2, false);
            Add(28, 2, false);
        }
        else if (d.Length > 2 && d[0] == (byte)'B' && d[1] == (byte)'M')
        {
            // File size, pixel offset, header size, width, height, planes, bit count, compression, image size, palette size.
            foreach (var (offset, width) in new[] { (2, 4), (10, 4), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2), (30, 4), (34, 4), (46, 4) })
            {
                Add(offset, width, false);
            }
        }
        else if (d.Length > 6 && d[0] == 0 && d[2] == 1)
        {
            // ICO: count, then the first entry's width, height, size and offset.
            Add(4, 2, false);
            Add(6, 1, false);
            Add(7, 1, false);
            Add(14, 4, false);
            Add(18, 4, false);
        }

        return fields;
    }
}
