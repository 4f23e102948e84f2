using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// DDIM (Song et al. 2020), a port of diffusers' <c>DDIMScheduler</c>. Deterministic for
/// <see cref="Eta"/> = 0; with <see cref="Eta"/> &gt; 0 every step adds <c>eta * sqrt(variance) * noise</c>
/// with caller-supplied noise.
/// </summary>
/// <remarks>
/// The previous timestep is always <c>t - num_train_timesteps / n</c> (integer division), whatever the
/// spacing; when it is negative, <c>alphas_cumprod[0]</c> (or 1 with <c>set_alpha_to_one</c>) is used.
/// Class defaults: <c>timestep_spacing</c> "leading", <c>set_alpha_to_one</c> true, <c>clip_sample</c> true.
/// </remarks>
public sealed class DdimScheduler : SchedulerBase
{
    private readonly TimestepSpacing _spacing;
    private readonly bool _clipSample;
    private readonly float _finalAlphaCumprod;
    private double _eta;

    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    public DdimScheduler(SchedulerConfig config)
        : base(config)
    {
        _spacing = config.TimestepSpacing ?? TimestepSpacing.Leading;
        _clipSample = config.ClipSample ?? true;
        _finalAlphaCumprod = config.SetAlphaToOne ?? true ? 1f : Schedule.AlphasCumprod[0];
    }

    /// <inheritdoc />
    public override string Name => "DDIMScheduler";

    /// <summary>
    /// The DDIM <c>eta</c> (0 = deterministic DDIM, 1 = DDPM-like). Noise is consumed by every step when it is positive.
    /// </summary>
    public double Eta
    {
        get => _eta;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "eta must be a finite number >= 0.");
            }

            _eta = value;
        }
    }

    private protected override int ScratchCount => 2;

    /// <inheritdoc />
    public override bool NeedsNoise(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return _eta > 0;
    }

    /// <inheritdoc />
    public override NoiseLevel GetNoiseLevel(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        double ac = Schedule.AlphasCumprod[TimestepAt(stepIndex)];
        return new NoiseLevel(Math.Sqrt(ac), Math.Sqrt(1 - ac), 1);
    }

    private protected override InferencePlan BuildPlan(int n)
    {
        int trainSteps = Config.NumTrainTimesteps;
        var timesteps = new float[n];
        switch (_spacing)
        {
            case TimestepSpacing.Linspace:
                {
                    double[] lin = ScheduleMath.NumpyLinspace(0, trainSteps - 1, n);
                    for (int i = 0; i < n; i++)
                    {
                        timesteps[i] = (float)ScheduleMath.Round(lin[n - 1 - i]);
                    }

                    break;
                }

            case TimestepSpacing.Leading:
                {
                    int ratio = trainSteps / n;
                    for (int i = 0; i < n; i++)
                    {
                        timesteps[i] = ((n - 1 - i) * ratio) + Config.StepsOffset;
                    }

                    break;
                }

            case TimestepSpacing.Trailing:
                {
                    double[] ar = ScheduleMath.NumpyArange(trainSteps, 0, -(double)trainSteps / n);
                    timesteps = new float[ar.Length];
                    for (int i = 0; i < ar.Length; i++)
                    {
                        timesteps[i] = (float)(ScheduleMath.Round(ar[i]) - 1);
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"unknown timestep spacing {_spacing}");
        }

        ScheduleMath.EnsureTimestepsInRange(timesteps, trainSteps, Name);
        return new InferencePlan(timesteps, [], 1f);
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        ReadOnlySpan<float> alphasCumprod = Schedule.AlphasCumprod;
        int t = TimestepAt(stepIndex);
        int prevT = t - Config.NumTrainTimesteps / NumInferenceSteps;
        float alphaProdT = alphasCumprod[t];
        float alphaProdTPrev = prevT >= 0 ? alphasCumprod[prevT] : _finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float sqrtAlpha = MathF.Sqrt(alphaProdT);
        float sqrtBeta = MathF.Sqrt(betaProdT);

        Span<float> x0 = Scratch(0);
        Span<float> epsBuffer = Scratch(1);
        ReadOnlySpan<float> eps;
        switch (Config.PredictionType)
        {
            case PredictionType.Epsilon:
                // x0 = (sample - sqrt(beta_t) * eps) / sqrt(alpha_t)
                TensorPrimitives.Multiply(modelOutput, sqrtBeta, x0);
                TensorPrimitives.Subtract(sample, x0, x0);
                TensorPrimitives.Divide(x0, sqrtAlpha, x0);
                eps = modelOutput;
                break;
            case PredictionType.Sample:
                modelOutput.CopyTo(x0);
                TensorPrimitives.Multiply(x0, sqrtAlpha, epsBuffer);
                TensorPrimitives.Subtract(sample, epsBuffer, epsBuffer);
                TensorPrimitives.Divide(epsBuffer, sqrtBeta, epsBuffer);
                eps = epsBuffer;
                break;
            case PredictionType.VPrediction:
                TensorPrimitives.Multiply(sample, sqrtAlpha, x0);
                TensorPrimitives.MultiplyAdd(modelOutput, -sqrtBeta, x0, x0);
                TensorPrimitives.Multiply(modelOutput, sqrtAlpha, epsBuffer);
                TensorPrimitives.MultiplyAdd(sample, sqrtBeta, epsBuffer, epsBuffer);
                eps = epsBuffer;
                break;
            default:
                throw new InvalidOperationException($"unknown prediction type {Config.PredictionType}");
        }

        if (_clipSample)
        {
            float range = (float)Config.ClipSampleRange;
            TensorPrimitives.Clamp(x0, -range, range, x0);
        }

        // variance = (beta_prev / beta_t) * (1 - alpha_t / alpha_prev); std = eta * sqrt(variance)
        float betaProdTPrev = 1f - alphaProdTPrev;
        float variance = betaProdTPrev / betaProdT * (1f - alphaProdT / alphaProdTPrev);
        float stdDevT = (float)_eta * MathF.Sqrt(variance);
        float directionCoeff = MathF.Sqrt(1f - alphaProdTPrev - stdDevT * stdDevT);

        // prev = sqrt(alpha_prev) * x0 + sqrt(1 - alpha_prev - std^2) * eps (+ std * noise)
        TensorPrimitives.Multiply(eps, directionCoeff, epsBuffer);
        TensorPrimitives.MultiplyAdd(x0, MathF.Sqrt(alphaProdTPrev), epsBuffer, prevSample);
        if (_eta > 0)
        {
            TensorPrimitives.MultiplyAdd(noise, stdDevT, prevSample, prevSample);
        }
    }
}
