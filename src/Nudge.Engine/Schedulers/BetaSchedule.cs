namespace Nudge.Engine.Schedulers;

/// <summary>
/// How the per-timestep noise variances (betas) of the training process are laid out
/// (diffusers' <c>beta_schedule</c>).
/// </summary>
public enum BetaSchedule
{
    /// <summary><c>"linear"</c>: betas evenly spaced from <c>beta_start</c> to <c>beta_end</c>.</summary>
    Linear,

    /// <summary>
    /// <c>"scaled_linear"</c>: square roots of the betas evenly spaced, then squared
    /// (the Stable Diffusion 1.x schedule).
    /// </summary>
    ScaledLinear,

    /// <summary><c>"squaredcos_cap_v2"</c>: the cosine schedule of Nichol &amp; Dhariwal, betas capped at 0.999.</summary>
    SquaredCosCapV2,
}
