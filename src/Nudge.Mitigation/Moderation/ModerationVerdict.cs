namespace Nudge.Mitigation.Moderation;

/// <summary>The verdict on an uploaded image.</summary>
public enum ModerationVerdict
{
    /// <summary>Not similar to anything undesired.</summary>
    Allow,

    /// <summary>Similar enough to review.</summary>
    Flag,

    /// <summary>Matches an undesired entry at or above its threshold.</summary>
    Block,

    /// <summary>Not a usable image (unreadable, truncated, too large, not an image); the reason says which.</summary>
    Invalid,
}
