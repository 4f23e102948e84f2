namespace Nudge.Engine.Schedulers;

/// <summary>The DPM-Solver variant (diffusers' <c>algorithm_type</c> of <c>DPMSolverMultistepScheduler</c>).</summary>
public enum DpmSolverAlgorithmType
{
    /// <summary><c>"dpmsolver++"</c>: data-prediction solver (DPM-Solver++); the default.</summary>
    DpmSolverPlusPlus,

    /// <summary><c>"dpmsolver"</c>: noise-prediction solver (original DPM-Solver).</summary>
    DpmSolver,

    /// <summary><c>"sde-dpmsolver++"</c>: stochastic DPM-Solver++ (draws noise every step).</summary>
    SdeDpmSolverPlusPlus,

    /// <summary><c>"sde-dpmsolver"</c>: stochastic DPM-Solver (draws noise every step).</summary>
    SdeDpmSolver,
}
