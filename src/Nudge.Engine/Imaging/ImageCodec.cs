using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Nudge.Engine.Imaging;

/// <summary>
/// Conversions between the pipeline's planar float images ([3 × H × W] in [-1, 1]) and 8-bit RGB
/// PNG bytes. Quantization matches diffusers: <c>round(clamp(x / 2 + 0.5, 0, 1) * 255)</c> with
/// round-half-to-even, and the PNG encoder settings are fixed so equal pixels give equal bytes.
/// </summary>
public static class ImageCodec
{
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        CompressionLevel = PngCompressionLevel.DefaultCompression,
        FilterMethod = PngFilterMethod.Adaptive,
        // No time or software chunks: the bytes depend on the pixels alone.
        ChunkFilter = PngChunkFilter.ExcludeAll,
    };

    /// <summary>Quantizes one planar [-1, 1] image to interleaved RGB bytes.</summary>
    /// <param name="planar">[3 × height × width] floats.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>height × width × 3 bytes.</returns>
    public static byte[] ToRgb24(ReadOnlySpan<float> planar, int width, int height)
    {
        int plane = width * height;
        if (planar.Length != 3 * plane)
        {
            throw new ArgumentException($"Expected {3 * plane} values for {width}×{height}, got {planar.Length}.", nameof(planar));
        }

        var rgb = new byte[3 * plane];
        for (int c = 0; c < 3; c++)
        {
            var src = planar.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                float v = Math.Clamp((src[i] / 2f) + 0.5f, 0f, 1f) * 255f;
                rgb[(i * 3) + c] = (byte)MathF.Round(v, MidpointRounding.ToEven);
            }
        }

        return rgb;
    }

    /// <summary>Encodes interleaved RGB bytes as PNG.</summary>
    /// <param name="rgb">height × width × 3 bytes.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>The PNG file's bytes.</returns>
    public static byte[] EncodePng(ReadOnlySpan<byte> rgb, int width, int height)
    {
        using var image = Image.LoadPixelData<Rgb24>(rgb, width, height);
        using var ms = new MemoryStream();
        image.Save(ms, Encoder);
        return ms.ToArray();
    }

    /// <summary>Converts interleaved RGB bytes to a planar [-1, 1] image (the VAE encoder's input).</summary>
    /// <param name="rgb">height × width × 3 bytes.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="destination">[3 × height × width] floats.</param>
    public static void ToPlanar(ReadOnlySpan<byte> rgb, int width, int height, Span<float> destination)
    {
        int plane = width * height;
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                destination[(c * plane) + i] = (rgb[(i * 3) + c] / 127.5f) - 1f;
            }
        }
    }
}
