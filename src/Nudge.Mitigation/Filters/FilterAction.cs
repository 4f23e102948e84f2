namespace Nudge.Mitigation.Filters;

/// <summary>What a fired filter asks for.</summary>
public enum FilterAction
{
    /// <summary>Record it; the image stays as it is.</summary>
    Flag,

    /// <summary>Steer the generation away (the undesired-similarity filter).</summary>
    Nudge,
}
