namespace Nudge.Mitigation.Pipeline;

/// <summary>How an image ended.</summary>
public enum ImageOutcome
{
    /// <summary>No nudge-action filter fired: the image is untouched (byte-identical to a run without nudging).</summary>
    Clean,

    /// <summary>A filter fired and a nudge round fixed it.</summary>
    Nudged,

    /// <summary>Still triggered after every round: returned, flagged. Never reported clean.</summary>
    Unresolved,

    /// <summary>Triggered and withheld: filter-only policy, or unresolved with <c>block_unresolved</c>.</summary>
    Blocked,
}
