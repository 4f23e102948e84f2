using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// Ancestral Euler sampler ("Euler a"), a port of diffusers' <c>EulerAncestralDiscreteScheduler</c>:
/// an Euler step down to <c>sigma_down</c> followed by fresh noise of size <c>sigma_up</c>.
/// Consumes caller-supplied noise on every step (on the last step <c>sigma_up</c> is 0 but the noise is
/// still consumed, as in diffusers, so noise streams stay aligned).
/// </summary>
/// <remarks>
/// Class defaults: <c>timestep_spacing</c> "linspace". Like diffusers' class it has no Karras option:
/// <c>use_karras_sigmas</c> is ignored. Supports <c>epsilon</c>, <c>v_prediction</c> and <c>sample</c>.
/// </remarks>
public sealed class EulerAncestralDiscreteScheduler : SigmaSchedulerBase
{
    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    public EulerAncestralDiscreteScheduler(SchedulerConfig config)
        : base(config, PlanOptions(config))
    {
    }

    /// <inheritdoc />
    public override string Name => "EulerAncestralDiscreteScheduler";

    private protected override int ScratchCount => 2;

    /// <inheritdoc />
    public override bool NeedsNoise(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return true;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        float sigma = Sigmas[stepIndex];
        Span<float> derivative = Scratch(0);
        SigmaPredictOriginal(modelOutput, sample, sigma, sigma, derivative);

        float sigmaFrom = sigma;
        float sigmaTo = Sigmas[stepIndex + 1];
        float sigmaFromSq = sigmaFrom * sigmaFrom;
        float sigmaToSq = sigmaTo * sigmaTo;
        float sigmaUp = MathF.Sqrt(Math.Max(0f, sigmaToSq * (sigmaFromSq - sigmaToSq) / sigmaFromSq));
        float sigmaDown = MathF.Sqrt(Math.Max(0f, sigmaToSq - sigmaUp * sigmaUp));

        // derivative = (x - x0) / sigma; prev = x + derivative * (sigma_down - sigma) + noise * sigma_up
        TensorPrimitives.Subtract(sample, derivative, derivative);
        TensorPrimitives.Divide(derivative, sigma, derivative);
        TensorPrimitives.MultiplyAdd(derivative, sigmaDown - sigma, sample, prevSample);
        TensorPrimitives.MultiplyAdd(noise, sigmaUp, prevSample, prevSample);
    }

    // diffusers' class defaults for this sampler (see the remarks).
    private static DiscreteSigmaPlan.Options PlanOptions(SchedulerConfig config) =>
        new DiscreteSigmaPlan.Options(
            config.TimestepSpacing ?? TimestepSpacing.Linspace,
            LinspaceInFloat32: true,
            UseKarras: false,
            SigmaMin: null,
            SigmaMax: null,
            FinalSigmaIsMin: false);
}
