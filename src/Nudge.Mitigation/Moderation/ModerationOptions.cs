namespace Nudge.Mitigation.Moderation;

/// <summary>Thresholds and input limits for upload moderation.</summary>
public sealed class ModerationOptions
{
    /// <summary>Default block threshold (entries may carry their own).</summary>
    public float BlockThreshold { get; set; } = 0.9f;

    /// <summary>Flag threshold: below blocking but close.</summary>
    public float FlagThreshold { get; set; } = 0.8f;

    /// <summary>Largest accepted file, in bytes.</summary>
    public long MaxBytes { get; set; } = 20 * 1024 * 1024;

    /// <summary>Largest accepted image, in pixels (width × height).</summary>
    public long MaxPixels { get; set; } = 4096L * 4096L;

    /// <summary>Matches to report.</summary>
    public int Evidence { get; set; } = 3;
}
