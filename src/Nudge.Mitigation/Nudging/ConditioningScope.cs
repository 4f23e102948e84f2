namespace Nudge.Mitigation.Nudging;

/// <summary>Which text-encoder states receive the conditioning-space change computed at the pooled position.</summary>
public enum ConditioningScope
{
    /// <summary>The end-of-text state and every state after it (they all summarize the whole prompt).</summary>
    FromPooled,

    /// <summary>Every state but the start-of-text one (which is the same for every prompt).</summary>
    AllTokens,
}
