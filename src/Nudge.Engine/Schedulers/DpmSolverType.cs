namespace Nudge.Engine.Schedulers;

/// <summary>The second-order correction of DPM-Solver (diffusers' <c>solver_type</c>).</summary>
public enum DpmSolverType
{
    /// <summary><c>"midpoint"</c>: the default.</summary>
    Midpoint,

    /// <summary><c>"heun"</c>.</summary>
    Heun,
}
