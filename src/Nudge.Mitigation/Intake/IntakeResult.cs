using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Intake;

/// <summary>What <see cref="ImageIntake"/> made of one input: the first frame's pixels, or the reason it was refused.</summary>
/// <param name="Image">The first frame as RGB, or null when refused.</param>
/// <param name="Format">The format by its signature ("png", "gif", …; "unknown" when none matched).</param>
/// <param name="Width">Width from the header (0 when no header could be read).</param>
/// <param name="Height">Height from the header (0 when no header could be read).</param>
/// <param name="Frames">Frames or pages the file declares (1 for a still image; 0 when no header could be read).</param>
/// <param name="Rejection">Why the input was refused, in words; null when accepted.</param>
public sealed record IntakeResult(RgbImage? Image, string Format, int Width, int Height, int Frames, string? Rejection)
{
    /// <summary>True when the input was decoded.</summary>
    public bool Accepted => Image is not null;
}
