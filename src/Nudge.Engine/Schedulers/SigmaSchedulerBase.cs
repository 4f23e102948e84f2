namespace Nudge.Engine.Schedulers;

/// <summary>
/// What the samplers in the "variance exploding" space share (Euler, Euler ancestral, LMS): samples are
/// <c>x = x0 + sigma * eps</c>, the model input is <c>x / sqrt(sigma^2 + 1)</c>, and the timesteps and sigmas come
/// from <see cref="DiscreteSigmaPlan"/> with each class's options.
/// </summary>
public abstract class SigmaSchedulerBase : SchedulerBase
{
    private readonly DiscreteSigmaPlan.Options _options;

    private protected SigmaSchedulerBase(SchedulerConfig config, DiscreteSigmaPlan.Options options)
        : base(config)
    {
        _options = options;
    }

    /// <inheritdoc />
    public override NoiseLevel GetNoiseLevel(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        double sigma = Sigmas[stepIndex];
        return new NoiseLevel(1, sigma, 1 / Math.Sqrt(sigma * sigma + 1));
    }

    private protected override float InputDivisor(int stepIndex)
    {
        float sigma = Sigmas[stepIndex];
        return MathF.Sqrt(sigma * sigma + 1f);
    }

    private protected override InferencePlan BuildPlan(int n)
    {
        (float[] timesteps, float[] sigmas, float init) = DiscreteSigmaPlan.Build(Schedule, Config, n, _options);
        return new InferencePlan(timesteps, sigmas, init);
    }
}
