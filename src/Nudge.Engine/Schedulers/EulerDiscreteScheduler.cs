using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// Euler sampler (Karras et al. 2022, Algorithm 2), a port of diffusers' <c>EulerDiscreteScheduler</c>.
/// Deterministic unless <see cref="SChurn"/> &gt; 0, in which case churned steps consume noise.
/// </summary>
/// <remarks>
/// Samples live in the "variance exploding" space <c>x = x0 + sigma * eps</c>; the model input is
/// <c>x / sqrt(sigma^2 + 1)</c>. Class defaults: <c>timestep_spacing</c> "linspace",
/// <c>final_sigmas_type</c> "zero". Supports <c>use_karras_sigmas</c> (with optional
/// <c>sigma_min</c>/<c>sigma_max</c>), linear interpolation and discrete timesteps only.
/// </remarks>
public sealed class EulerDiscreteScheduler : SigmaSchedulerBase
{
    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    /// <exception cref="NotSupportedException">An unsupported option (exponential/beta sigmas, log-linear interpolation, continuous timesteps) is set.</exception>
    public EulerDiscreteScheduler(SchedulerConfig config)
        : base(config, PlanOptions(config))
    {
        if (config.UseExponentialSigmas || config.UseBetaSigmas)
        {
            throw new NotSupportedException("EulerDiscreteScheduler: use_exponential_sigmas/use_beta_sigmas are not supported.");
        }

        if (config.InterpolationType != "linear")
        {
            throw new NotSupportedException($"EulerDiscreteScheduler: interpolation_type '{config.InterpolationType}' is not supported (only 'linear').");
        }

        if (config.TimestepType != "discrete")
        {
            throw new NotSupportedException($"EulerDiscreteScheduler: timestep_type '{config.TimestepType}' is not supported (only 'discrete').");
        }
    }

    /// <inheritdoc />
    public override string Name => "EulerDiscreteScheduler";

    /// <summary>Stochasticity <c>s_churn</c> of <c>step</c> (default 0: deterministic).</summary>
    public double SChurn { get; set; }

    /// <summary>Lowest sigma that is churned, <c>s_tmin</c> (default 0).</summary>
    public double STMin { get; set; }

    /// <summary>Highest sigma that is churned, <c>s_tmax</c> (default +infinity).</summary>
    public double STMax { get; set; } = double.PositiveInfinity;

    /// <summary>Scale of the churn noise, <c>s_noise</c> (default 1).</summary>
    public double SNoise { get; set; } = 1.0;

    private protected override int ScratchCount => 3;

    /// <inheritdoc />
    public override bool NeedsNoise(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return Gamma(stepIndex) > 0;
    }

    private double Gamma(int stepIndex)
    {
        if (!(SChurn > 0))
        {
            return 0;
        }

        float sigma = Sigmas[stepIndex];
        return STMin <= sigma && sigma <= STMax ? Math.Min(SChurn / (Sigmas.Length - 1), Math.Sqrt(2) - 1) : 0;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        float sigma = Sigmas[stepIndex];
        double gamma = Gamma(stepIndex);
        float sigmaHat = sigma * (float)(gamma + 1);

        ReadOnlySpan<float> x = sample;
        if (gamma > 0)
        {
            // sample = sample + (noise * s_noise) * sqrt(sigma_hat^2 - sigma^2)
            Span<float> churned = Scratch(2);
            TensorPrimitives.Multiply(noise, (float)SNoise, churned);
            TensorPrimitives.Multiply(churned, MathF.Sqrt(sigmaHat * sigmaHat - sigma * sigma), churned);
            TensorPrimitives.Add(sample, churned, churned);
            x = churned;
        }

        Span<float> derivative = Scratch(0);
        SigmaPredictOriginal(modelOutput, x, sigmaHat, sigma, derivative);

        // derivative = (x - x0) / sigma_hat; prev = x + derivative * (sigma_next - sigma_hat)
        TensorPrimitives.Subtract(x, derivative, derivative);
        TensorPrimitives.Divide(derivative, sigmaHat, derivative);
        float dt = Sigmas[stepIndex + 1] - sigmaHat;
        TensorPrimitives.MultiplyAdd(derivative, dt, x, prevSample);
    }

    // diffusers' class defaults for this sampler (see the remarks).
    private static DiscreteSigmaPlan.Options PlanOptions(SchedulerConfig config) =>
        new DiscreteSigmaPlan.Options(
            config.TimestepSpacing ?? TimestepSpacing.Linspace,
            LinspaceInFloat32: true,
            config.UseKarrasSigmas,
            config.SigmaMin,
            config.SigmaMax,
            FinalSigmaIsMin: config.FinalSigmasType == FinalSigmasType.SigmaMin);
}
