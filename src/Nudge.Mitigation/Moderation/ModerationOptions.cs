using Nudge.Mitigation.Intake;

namespace Nudge.Mitigation.Moderation;

/// <summary>Thresholds and input limits for upload moderation.</summary>
public sealed class ModerationOptions
{
    /// <summary>Default block threshold (entries may carry their own).</summary>
    public float BlockThreshold { get; set; } = 0.9f;

    /// <summary>Flag threshold: below blocking but close.</summary>
    public float FlagThreshold { get; set; } = 0.8f;

    /// <summary>The limits every upload is checked against before it is decoded.</summary>
    public ImageIntakeOptions Intake { get; set; } = new();

    /// <summary>Largest accepted file, in bytes (shorthand for <see cref="ImageIntakeOptions.MaxBytes"/>).</summary>
    public long MaxBytes
    {
        get => Intake.MaxBytes;
        set => Intake.MaxBytes = value;
    }

    /// <summary>Largest accepted image, in pixels (shorthand for <see cref="ImageIntakeOptions.MaxPixels"/>).</summary>
    public long MaxPixels
    {
        get => Intake.MaxPixels;
        set => Intake.MaxPixels = value;
    }

    /// <summary>Matches to report.</summary>
    public int Evidence { get; set; } = 3;
}
