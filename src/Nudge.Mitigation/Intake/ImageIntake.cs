using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Nudge.Mitigation.Embedding;
using SkiaSharp;

namespace Nudge.Mitigation.Intake;

/// <summary>
/// The one gate through which outside images enter: <c>moderate</c>, upload moderation and index entries. It reads at
/// most <see cref="ImageIntakeOptions.MaxBytes"/> bytes, reads the header before any pixel, checks every limit on it,
/// decodes only the first frame, and turns anything a decoder throws or reports into a refusal with its reason.
/// </summary>
/// <remarks>
/// Decoding uses Skia's codecs (libpng, libjpeg-turbo, libwebp, Skia's GIF and BMP readers), which are fuzzed
/// continuously upstream and report truncation instead of returning a half-grey image. Accepted formats: PNG, JPEG,
/// GIF, WebP, BMP and ICO. Alpha is dropped without compositing, as the embedders were calibrated that way.
/// </remarks>
public static class ImageIntake
{
    /// <summary>The formats that are decoded; everything else is refused by name.</summary>
    public static IReadOnlyList<string> AcceptedFormats { get; } = ["png", "jpeg", "gif", "webp", "bmp", "ico"];

    /// <summary>Reads a stream into memory, refusing it as soon as it passes <paramref name="maxBytes"/>.</summary>
    /// <param name="stream">The input; read to its end or to one byte past the limit, whichever comes first.</param>
    /// <param name="maxBytes">The limit in bytes.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The bytes.</returns>
    /// <exception cref="InvalidDataException">The stream holds more than <paramref name="maxBytes"/> bytes.</exception>
    public static async Task<byte[]> ReadAsync(Stream stream, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.CanSeek && stream.Length - stream.Position > maxBytes)
        {
            throw new InvalidDataException(TooManyBytes(stream.Length - stream.Position, maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new InvalidDataException($"file is more than {maxBytes} bytes; the limit is {maxBytes}");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Checks and decodes one input. Never throws for bad input.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="options">The limits; null for the defaults.</param>
    /// <returns>The first frame, or the reason it was refused.</returns>
    public static IntakeResult Decode(ReadOnlySpan<byte> bytes, ImageIntakeOptions? options = null)
    {
        options ??= new ImageIntakeOptions();
        string format = Sniff(bytes);
        if (bytes.Length == 0)
        {
            return Refuse("empty file");
        }

        if (bytes.Length > options.MaxBytes)
        {
            return Refuse(TooManyBytes(bytes.Length, options.MaxBytes));
        }

        if (format == "unknown")
        {
            return Refuse("not an image (no known image signature)");
        }

        if (!AcceptedFormats.Contains(format))
        {
            return Refuse($"{format} is not an accepted format (accepted: {string.Join(", ", AcceptedFormats)})");
        }

        try
        {
            using var data = SKData.CreateCopy(bytes);
            using var stream = new SKMemoryStream(data);
            using var codec = SKCodec.Create(stream, out var created);
            if (codec is null)
            {
                return DeclaredSize(format, bytes) is ({ } w, { } h) && (w <= 0 || h <= 0)
                    ? Refuse($"{format} header declares {w}×{h}")
                    : Refuse(created == SKCodecResult.IncompleteInput
                        ? $"truncated or invalid {format} header"
                        : $"unreadable {format} header ({Describe(created)})");
            }

            var info = codec.Info;
            int frames = Math.Max(codec.FrameCount, 1);
            if (info.Width <= 0 || info.Height <= 0)
            {
                return Refuse($"{format} header declares {info.Width}×{info.Height}", info.Width, info.Height, frames);
            }

            if (info.Width > options.MaxSide || info.Height > options.MaxSide)
            {
                return Refuse($"image is {info.Width}×{info.Height}; the limit is {options.MaxSide} pixels a side", info.Width, info.Height, frames);
            }

            long pixels = (long)info.Width * info.Height;
            if (pixels > options.MaxPixels)
            {
                return Refuse($"image is {info.Width}×{info.Height}; the limit is {options.MaxPixels} pixels", info.Width, info.Height, frames);
            }

            if (frames > options.MaxFrames)
            {
                return Refuse($"{format} has {frames} frames; the limit is {options.MaxFrames}", info.Width, info.Height, frames);
            }

            if (pixels * frames > options.MaxTotalPixels)
            {
                return Refuse($"{format} declares {frames} frames of {info.Width}×{info.Height} ({pixels * frames} pixels in all); the limit is {options.MaxTotalPixels}", info.Width, info.Height, frames);
            }

            var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
            var rgba = GC.AllocateUninitializedArray<byte>(checked((int)(pixels * 4)));
            var pin = GCHandle.Alloc(rgba, GCHandleType.Pinned);
            SKCodecResult decoded;
            try
            {
                // Frame 0 only: the frames after it are never decoded, whatever the file declares.
                decoded = codec.GetPixels(target, pin.AddrOfPinnedObject(), new SKCodecOptions(0));
            }
            finally
            {
                pin.Free();
            }

            if (decoded != SKCodecResult.Success)
            {
                return Refuse(decoded == SKCodecResult.IncompleteInput
                    ? $"truncated {format} ({info.Width}×{info.Height}; the pixel data ends early)"
                    : $"corrupt {format} pixel data ({Describe(decoded)})", info.Width, info.Height, frames);
            }

            return new IntakeResult(new RgbImage(DropAlpha(rgba), info.Width, info.Height), format, info.Width, info.Height, frames, null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Refuse($"{format} decoder failed ({ex.GetType().Name}: {ex.Message})");
        }

        IntakeResult Refuse(string reason, int width = 0, int height = 0, int frames = 0) => new(null, format, width, height, frames, reason);
    }

    /// <summary>Decodes one input or throws.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="options">The limits; null for the defaults.</param>
    /// <returns>The first frame.</returns>
    /// <exception cref="InvalidDataException">The input was refused; the message says why.</exception>
    public static RgbImage DecodeOrThrow(ReadOnlySpan<byte> bytes, ImageIntakeOptions? options = null)
    {
        var result = Decode(bytes, options);
        return result.Image ?? throw new InvalidDataException(result.Rejection!);
    }

    /// <summary>The format named by the file's signature, before any decoder sees it.</summary>
    /// <param name="bytes">The file's first bytes (or all of it).</param>
    /// <returns>"png", "jpeg", "gif", "webp", "bmp", "ico", "tiff", "heif", "pnm", "qoi", or "unknown".</returns>
    public static string Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "png";
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "jpeg";
        }

        if (bytes.StartsWith("GIF87a"u8) || bytes.StartsWith("GIF89a"u8))
        {
            return "gif";
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return "webp";
        }

        if (bytes.StartsWith("BM"u8))
        {
            return "bmp";
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0, 0, 1, 0]))
        {
            return "ico";
        }

        if (bytes.StartsWith("II*\0"u8) || bytes.StartsWith("MM\0*"u8))
        {
            return "tiff";
        }

        if (bytes.Length >= 12 && bytes.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return "heif";
        }

        if (bytes.Length >= 2 && bytes[0] == (byte)'P' && bytes[1] is >= (byte)'1' and <= (byte)'7')
        {
            return "pnm";
        }

        return bytes.StartsWith("qoif"u8) ? "qoi" : "unknown";
    }

    // The size fields of the formats whose headers are fixed, for a reason that names the bad value.
    private static (int? Width, int? Height) DeclaredSize(string format, ReadOnlySpan<byte> bytes) => format switch
    {
        "png" when bytes.Length >= 24 => (BinaryPrimitives.ReadInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadInt32BigEndian(bytes[20..])),
        "bmp" when bytes.Length >= 26 => (BinaryPrimitives.ReadInt32LittleEndian(bytes[18..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[22..])),
        "gif" when bytes.Length >= 10 => (BinaryPrimitives.ReadUInt16LittleEndian(bytes[6..]), BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..])),
        _ => (null, null),
    };

    private static byte[] DropAlpha(byte[] rgba)
    {
        var rgb = GC.AllocateUninitializedArray<byte>(rgba.Length / 4 * 3);
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
        {
            rgb[j] = rgba[i];
            rgb[j + 1] = rgba[i + 1];
            rgb[j + 2] = rgba[i + 2];
        }

        return rgb;
    }

    private static string TooManyBytes(long length, long maxBytes) => $"file is {length} bytes; the limit is {maxBytes}";

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.InvalidInput => "invalid input",
        SKCodecResult.ErrorInInput => "error in input",
        SKCodecResult.Unimplemented => "a variant the decoder does not implement",
        SKCodecResult.InvalidScale or SKCodecResult.InvalidConversion or SKCodecResult.InvalidParameters => "cannot convert to RGB",
        _ => result.ToString(),
    };
}
