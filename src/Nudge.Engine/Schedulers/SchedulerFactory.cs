namespace Nudge.Engine.Schedulers;

/// <summary>Creates schedulers by diffusers class name or short CLI name.</summary>
public static class SchedulerFactory
{
    private static readonly (string ClassName, string ShortName, Func<SchedulerConfig, IScheduler> Create)[] Entries =
    [
        ("DDIMScheduler", "ddim", c => new DdimScheduler(c)),
        ("PNDMScheduler", "pndm", c => new PndmScheduler(c)),
        ("EulerDiscreteScheduler", "euler", c => new EulerDiscreteScheduler(c)),
        ("EulerAncestralDiscreteScheduler", "euler-a", c => new EulerAncestralDiscreteScheduler(c)),
        ("LMSDiscreteScheduler", "lms", c => new LmsDiscreteScheduler(c)),
        ("DPMSolverMultistepScheduler", "dpm++2m", c => new DpmSolverMultistepScheduler(c)),
    ];

    /// <summary>Every accepted name: the diffusers class names followed by the short CLI names.</summary>
    public static IReadOnlyList<string> KnownNames { get; } =
        [.. Entries.Select(e => e.ClassName), .. Entries.Select(e => e.ShortName)];

    /// <summary>The short CLI names (<c>ddim</c>, <c>pndm</c>, <c>euler</c>, <c>euler-a</c>, <c>lms</c>, <c>dpm++2m</c>).</summary>
    public static IReadOnlyList<string> ShortNames { get; } = [.. Entries.Select(e => e.ShortName)];

    /// <summary>Whether <paramref name="name"/> is a scheduler this engine runs (class or short name, any case).</summary>
    /// <param name="name">The name.</param>
    /// <returns>True when known.</returns>
    public static bool IsKnown(string name) => KnownNames.Contains(name.Trim(), StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Creates the scheduler named by <paramref name="nameOverride"/>, or by the config's
    /// <c>_class_name</c> when no override is given. Names are case-insensitive.
    /// </summary>
    /// <param name="config">The model's scheduler configuration (noise schedule and options).</param>
    /// <param name="nameOverride">A diffusers class name (e.g. <c>"EulerDiscreteScheduler"</c>) or short name
    /// (<c>"ddim"</c>, <c>"pndm"</c>, <c>"euler"</c>, <c>"euler-a"</c>, <c>"lms"</c>, <c>"dpm++2m"</c>); null to use <see cref="SchedulerConfig.ClassName"/>.</param>
    /// <returns>A new scheduler; call <see cref="IScheduler.SetTimesteps"/> before use.</returns>
    /// <exception cref="ArgumentException">The name is unknown or missing; the message lists the valid names.</exception>
    /// <exception cref="NotSupportedException">The configuration uses an option the scheduler does not implement.</exception>
    public static IScheduler Create(SchedulerConfig config, string? nameOverride = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        string? name = string.IsNullOrWhiteSpace(nameOverride) ? config.ClassName : nameOverride.Trim();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException(
                $"No scheduler name given and the config has no '_class_name'. Valid names: {string.Join(", ", KnownNames)}.",
                nameof(nameOverride));
        }

        foreach ((string className, string shortName, Func<SchedulerConfig, IScheduler> create) in Entries)
        {
            if (string.Equals(name, className, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, shortName, StringComparison.OrdinalIgnoreCase))
            {
                return create(config);
            }
        }

        throw new ArgumentException(
            $"Unknown scheduler '{name}'. Valid names: {string.Join(", ", KnownNames)}.",
            nameOverride is null ? nameof(config) : nameof(nameOverride));
    }
}
