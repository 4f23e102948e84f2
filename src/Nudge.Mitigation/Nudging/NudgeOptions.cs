namespace Nudge.Mitigation.Nudging;

/// <summary>
/// Settings of the nudge: the objective <c>-α·mean_D⟨D, g(L)⟩ + β·mean_U⟨U, g(L)⟩ + λ·‖L − L0‖</c>, its
/// gradient descent, and the rounds ("points") at which a triggered generation restarts.
/// </summary>
public sealed record NudgeOptions
{
    /// <summary>Weight of the pull towards desired embeddings.</summary>
    public float Alpha { get; init; } = 1f;

    /// <summary>Weight of the push away from undesired embeddings.</summary>
    public float Beta { get; init; } = 4f;

    /// <summary>Weight of the proximity term.</summary>
    public float Lambda { get; init; } = 0.5f;

    /// <summary>Norm of the proximity term.</summary>
    public ProximityNorm Proximity { get; init; } = ProximityNorm.L2;

    /// <summary>Gradient step size (relative to ‖L0‖, so one setting fits any scale).</summary>
    public float StepSize { get; init; } = 0.05f;

    /// <summary>Maximum gradient steps per round.</summary>
    public int Iterations { get; init; } = 200;

    /// <summary>Stop early once the push term's largest similarity ⟨U, g(L)⟩ is below this …</summary>
    public float PushTarget { get; init; } = 0.5f;

    /// <summary>
    /// … and at least this much below where it started. The nudge space and the filter's space differ, so
    /// an input that already sits below <see cref="PushTarget"/> in the nudge space still has to move.
    /// </summary>
    public float MinimumPushDrop { get; init; } = 0.2f;

    /// <summary>
    /// How much lower each further round sets the push goal (round r: <see cref="PushTarget"/> − r·step and
    /// <see cref="MinimumPushDrop"/> + r·step). The gradient steps are normalized, so β's growth alone changes the
    /// direction, not the distance; this makes a retry move further, while the first round stays gentle.
    /// </summary>
    public float PushTargetStep { get; init; } = 0.1f;

    /// <summary>
    /// Which representations to nudge. The default, the token sequence pulled toward the trigger-released prompt, is the
    /// one that leaves the memorized composition while keeping the subject's colour in `nudge eval` (docs/eval, and
    /// docs/eval/ablation for every variant): the pooled conditioning alone, pushed until the copy detector clears the
    /// output, loses the subject's colour too, and the latent alone resolves nothing.
    /// </summary>
    public NudgeSpaces Spaces { get; init; } = NudgeSpaces.Sequence;

    /// <summary>
    /// How far the sequence-space nudge moves from the memorized caption toward the released prompt, as a fraction of
    /// their cosine gap (1: as far from the caption as the released prompt is). Each further round adds
    /// <see cref="PushTargetStep"/>, up to 1.
    /// </summary>
    public float EscapeFraction { get; init; } = 0.6f;

    /// <summary>Which conditioning states the change is applied to.</summary>
    public ConditioningScope ConditioningScope { get; init; } = ConditioningScope.AllTokens;

    /// <summary>Rounds before an image is reported unresolved.</summary>
    public int MaxRounds { get; init; } = 3;

    /// <summary>
    /// For round r, the fraction of the denoising steps already done at the restart point. The first round restarts at
    /// half way, which is cheap and keeps more of the subject; an output still judged a copy restarts earlier. On the
    /// tuning captions this kept more of the subject than restarting early every time, at no more copies
    /// (docs/eval/ablation).
    /// </summary>
    public IReadOnlyList<double> RestartFractions { get; init; } = [0.5, 0.3, 0.1];

    /// <summary>Push strength multiplier per further round (round r uses β·growth^r and λ/growth^r).</summary>
    public float StrengthGrowth { get; init; } = 2f;

    /// <summary>The options of round <paramref name="round"/> (0-based).</summary>
    /// <param name="round">The round.</param>
    /// <returns>Options with β, λ and the push goal set for that round.</returns>
    public NudgeOptions ForRound(int round)
    {
        float g = MathF.Pow(StrengthGrowth, round);
        return this with
        {
            Beta = Beta * g,
            Lambda = Lambda / g,
            PushTarget = PushTarget - (PushTargetStep * round),
            MinimumPushDrop = MinimumPushDrop + (PushTargetStep * round),
            EscapeFraction = Math.Min(1f, EscapeFraction + (PushTargetStep * round)),
        };
    }

    /// <summary>The restart step index of a round for a schedule of <paramref name="timestepCount"/> entries.</summary>
    /// <param name="round">The round (0-based).</param>
    /// <param name="timestepCount">Entries in the scheduler's timesteps.</param>
    /// <returns>A step index in [1, timestepCount − 1].</returns>
    public int RestartStep(int round, int timestepCount)
    {
        double f = RestartFractions[Math.Min(round, RestartFractions.Count - 1)];
        return Math.Clamp((int)Math.Round(f * timestepCount), 1, timestepCount - 1);
    }

    /// <summary>Checks the settings; returns every problem by field name.</summary>
    /// <returns>Field → message; empty when valid.</returns>
    public IReadOnlyDictionary<string, string> Validate()
    {
        var e = new Dictionary<string, string>();
        if (!(Alpha >= 0) || !(Beta >= 0) || !(Lambda >= 0))
        {
            e["alpha/beta/lambda"] = "alpha, beta and lambda must be non-negative numbers";
        }

        if (!(PushTargetStep >= 0 && PushTargetStep <= 1))
        {
            e["push_target_step"] = "push_target_step must be between 0 and 1";
        }

        if (!(EscapeFraction > 0 && EscapeFraction <= 1))
        {
            e["escape_fraction"] = "escape_fraction must be in (0, 1]";
        }

        if (!(StepSize > 0))
        {
            e["step_size"] = "step_size must be positive";
        }

        if (Iterations < 1 || Iterations > 100_000)
        {
            e["iterations"] = "iterations must be between 1 and 100000";
        }

        if (MaxRounds < 1 || MaxRounds > 20)
        {
            e["max_rounds"] = "max_rounds must be between 1 and 20";
        }

        if (RestartFractions.Count == 0 || RestartFractions.Any(f => !(f > 0 && f < 1)))
        {
            e["restart_fractions"] = "restart_fractions must be fractions strictly between 0 and 1";
        }

        return e;
    }
}
