using Nudge.Mitigation.Intake;

namespace Nudge.Mitigation.Embedding;

/// <summary>An 8-bit interleaved RGB image (what a PNG holds).</summary>
/// <param name="Rgb">height × width × 3 bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
public sealed record RgbImage(byte[] Rgb, int Width, int Height)
{
    /// <summary>Decodes an image file (PNG, JPEG, …) through <see cref="ImageIntake"/> with its default limits.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <returns>The first frame's pixels.</returns>
    /// <exception cref="InvalidDataException">Not an acceptable image (its message says why).</exception>
    public static RgbImage Decode(ReadOnlySpan<byte> bytes) => ImageIntake.DecodeOrThrow(bytes);
}
