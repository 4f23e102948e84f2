namespace Nudge.Mitigation.Filters;

/// <summary>When a filter runs.</summary>
public enum FilterStage
{
    /// <summary>On the prompt, before anything is generated.</summary>
    Prompt,

    /// <summary>On each generated image.</summary>
    Image,
}
