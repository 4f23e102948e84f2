namespace Nudge.Mitigation.Intake;

/// <summary>
/// Limits on an image that enters the system from outside (uploads, <c>moderate</c>, index entries). Every limit is
/// checked before the pixels are decoded, from the file's size and its header alone.
/// </summary>
public sealed class ImageIntakeOptions
{
    /// <summary>Largest accepted file, in bytes (20 MiB by default).</summary>
    public long MaxBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Largest accepted image, in pixels of its first frame (width × height; 4096² by default).</summary>
    public long MaxPixels { get; set; } = 4096L * 4096L;

    /// <summary>Largest accepted width or height, in pixels (a 1 × 16M strip is as hostile as a square).</summary>
    public int MaxSide { get; set; } = 16384;

    /// <summary>Most frames or pages of an animated or multi-page file; only the first is decoded.</summary>
    public int MaxFrames { get; set; } = 256;

    /// <summary>
    /// Most pixels over all frames (frames × width × height). A file whose frames are each within
    /// <see cref="MaxPixels"/> but that declares more in total is a decompression bomb and is refused.
    /// </summary>
    public long MaxTotalPixels { get; set; } = 16 * 4096L * 4096L;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first limit that is not positive.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBytes, 1, nameof(MaxBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPixels, 1, nameof(MaxPixels));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSide, 1, nameof(MaxSide));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxFrames, 1, nameof(MaxFrames));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTotalPixels, 1, nameof(MaxTotalPixels));
    }
}
