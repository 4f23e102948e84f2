namespace Nudge.Mitigation.Nudging;

/// <summary>The norm of the proximity term λ·‖L − L0‖.</summary>
public enum ProximityNorm
{
    /// <summary>Euclidean norm.</summary>
    L2,

    /// <summary>Sum of absolute values.</summary>
    L1,
}
