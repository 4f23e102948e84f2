namespace Nudge.Engine.Schedulers;

/// <summary>
/// How inference timesteps are picked from the training timesteps (diffusers' <c>timestep_spacing</c>,
/// Table 2 of "Common Diffusion Noise Schedules and Sample Steps are Flawed").
/// </summary>
public enum TimestepSpacing
{
    /// <summary><c>"leading"</c>: multiples of <c>num_train_timesteps / n</c> (integer division) plus <c>steps_offset</c>.</summary>
    Leading,

    /// <summary><c>"linspace"</c>: evenly spaced from 0 to <c>num_train_timesteps - 1</c>.</summary>
    Linspace,

    /// <summary><c>"trailing"</c>: evenly spaced downwards from <c>num_train_timesteps</c>, minus one.</summary>
    Trailing,
}
