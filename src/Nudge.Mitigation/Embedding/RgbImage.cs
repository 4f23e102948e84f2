namespace Nudge.Mitigation.Embedding;

/// <summary>An 8-bit interleaved RGB image (what a PNG holds).</summary>
/// <param name="Rgb">height × width × 3 bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record RgbImage(byte[] Rgb, int Width, int Height)
{
    /// <summary>Decodes an image file (PNG, JPEG, …).</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <returns>The pixels.</returns>
    /// <exception cref="InvalidDataException">Not a readable image.</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes)
    {
        var (rgb, w, h) = Nudge.Engine.Imaging.ImageCodec.DecodeRgb24(bytes);
        return new RgbImage(rgb, w, h);
    }
}
