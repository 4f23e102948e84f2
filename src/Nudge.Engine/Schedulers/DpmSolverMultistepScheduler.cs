using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// Multistep DPM-Solver / DPM-Solver++ (Lu et al. 2022), a port of diffusers'
/// <c>DPMSolverMultistepScheduler</c>. With the class defaults (<c>dpmsolver++</c>, <c>solver_order</c> 2,
/// <c>midpoint</c>, <c>lower_order_final</c>, <c>final_sigmas_type</c> "zero") this is "DPM++ 2M".
/// </summary>
/// <remarks>
/// <para>Samples are in the variance-preserving space (<c>init_noise_sigma</c> = 1, model input = sample).
/// The first step (and the first step after a restart) is first order; with <c>final_sigmas_type</c>
/// "zero" the last step is first order too and returns the denoised prediction
/// <c>x0 = (x - sigma_t * eps) / alpha_t</c>.</para>
/// <para>Supported: <c>algorithm_type</c> dpmsolver++ and dpmsolver (orders 1–3), sde-dpmsolver++ and
/// sde-dpmsolver (orders 1–2, consuming noise every step); <c>solver_type</c> midpoint/heun;
/// <c>use_karras_sigmas</c>; <c>lambda_min_clipped</c>. Class default <c>timestep_spacing</c> is "linspace".</para>
/// </remarks>
public sealed class DpmSolverMultistepScheduler : SchedulerBase
{
    private readonly TimestepSpacing _spacing;
    private readonly DpmSolverAlgorithmType _algorithm;
    private readonly int _solverOrder;
    private float[][] _modelOutputs = [];
    private int _lowerOrderNums;

    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    /// <exception cref="NotSupportedException">An unsupported option is set (learned variance, Lu lambdas, exponential/beta/flow sigmas, third-order SDE).</exception>
    /// <exception cref="ArgumentException"><c>final_sigmas_type</c> "zero" is combined with a non-++ algorithm (rejected by diffusers too).</exception>
    public DpmSolverMultistepScheduler(SchedulerConfig config)
        : base(config)
    {
        if (config.VarianceType is "learned" or "learned_range")
        {
            throw new NotSupportedException("DPMSolverMultistepScheduler: learned variance_type is not supported.");
        }

        if (config.UseLuLambdas || config.UseExponentialSigmas || config.UseBetaSigmas || config.UseFlowSigmas)
        {
            throw new NotSupportedException(
                "DPMSolverMultistepScheduler: use_lu_lambdas/use_exponential_sigmas/use_beta_sigmas/use_flow_sigmas are not supported.");
        }

        _algorithm = config.AlgorithmType;
        _solverOrder = config.SolverOrder;
        bool isSde = _algorithm is DpmSolverAlgorithmType.SdeDpmSolver or DpmSolverAlgorithmType.SdeDpmSolverPlusPlus;
        if (isSde && _solverOrder == 3)
        {
            throw new NotSupportedException("DPMSolverMultistepScheduler: third-order SDE variants are not supported.");
        }

        bool isDataPrediction = _algorithm is DpmSolverAlgorithmType.DpmSolverPlusPlus or DpmSolverAlgorithmType.SdeDpmSolverPlusPlus;
        if (!isDataPrediction && config.FinalSigmasType == FinalSigmasType.Zero)
        {
            throw new ArgumentException(
                "DPMSolverMultistepScheduler: final_sigmas_type 'zero' requires algorithm_type 'dpmsolver++' or 'sde-dpmsolver++'; use 'sigma_min'.",
                nameof(config));
        }

        _spacing = config.TimestepSpacing ?? TimestepSpacing.Linspace;
    }

    /// <inheritdoc />
    public override string Name => "DPMSolverMultistepScheduler";

    private protected override int ScratchCount => 4;

    private bool IsDataPrediction => _algorithm is DpmSolverAlgorithmType.DpmSolverPlusPlus or DpmSolverAlgorithmType.SdeDpmSolverPlusPlus;

    /// <inheritdoc />
    public override bool NeedsNoise(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return _algorithm is DpmSolverAlgorithmType.SdeDpmSolver or DpmSolverAlgorithmType.SdeDpmSolverPlusPlus;
    }

    /// <inheritdoc />
    public override NoiseLevel GetNoiseLevel(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        double sigma = Sigmas[stepIndex];
        double alpha = 1 / Math.Sqrt(sigma * sigma + 1);
        return new NoiseLevel(alpha, sigma * alpha, 1);
    }

    private protected override InferencePlan BuildPlan(int n)
    {
        int trainSteps = Config.NumTrainTimesteps;
        ReadOnlySpan<float> alphasCumprod = Schedule.AlphasCumprod;
        ReadOnlySpan<float> table = Schedule.TrainSigmas;

        // clipped_idx = searchsorted(flip(lambda_t), lambda_min_clipped); lambda_t = log(alpha_t) - log(sigma_t) in float32.
        int clippedIdx = 0;
        for (int i = trainSteps - 1; i >= 0; i--)
        {
            float ac = alphasCumprod[i];
            float lambda = MathF.Log(MathF.Sqrt(ac)) - MathF.Log(MathF.Sqrt(1f - ac));
            if (lambda < Config.LambdaMinClipped)
            {
                clippedIdx++;
            }
            else
            {
                break;
            }
        }

        int lastTimestep = trainSteps - clippedIdx;
        double[] timesteps;
        switch (_spacing)
        {
            case TimestepSpacing.Linspace:
                {
                    double[] lin = ScheduleMath.NumpyLinspace(0, lastTimestep - 1, n + 1);
                    timesteps = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        timesteps[i] = ScheduleMath.Round(lin[n - i]);
                    }

                    break;
                }

            case TimestepSpacing.Leading:
                {
                    int ratio = lastTimestep / (n + 1);
                    timesteps = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        timesteps[i] = (long)(n - i) * ratio + Config.StepsOffset;
                    }

                    break;
                }

            case TimestepSpacing.Trailing:
                {
                    double[] ar = ScheduleMath.NumpyArange(lastTimestep, 0, -(double)trainSteps / n);
                    timesteps = new double[ar.Length];
                    for (int i = 0; i < ar.Length; i++)
                    {
                        timesteps[i] = ScheduleMath.Round(ar[i]) - 1;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"unknown timestep spacing {_spacing}");
        }

        double[] sigmas;
        if (Config.UseKarrasSigmas)
        {
            float[] logSigmas = ScheduleMath.LogFloat32(table);
            sigmas = ScheduleMath.KarrasSigmas(table[0], table[trainSteps - 1], n);
            timesteps = new double[sigmas.Length];
            for (int i = 0; i < sigmas.Length; i++)
            {
                double t = ScheduleMath.SigmaToT(sigmas[i], logSigmas);
                timesteps[i] = Config.BetaSchedule == BetaSchedule.SquaredCosCapV2 ? t : ScheduleMath.Round(t);
            }
        }
        else
        {
            // Timesteps are integers, so this picks table entries exactly.
            sigmas = new double[timesteps.Length];
            for (int i = 0; i < sigmas.Length; i++)
            {
                sigmas[i] = ScheduleMath.Interp(timesteps[i], table);
            }
        }

        var sigmas32 = new float[sigmas.Length + 1];
        for (int i = 0; i < sigmas.Length; i++)
        {
            sigmas32[i] = (float)sigmas[i];
        }

        sigmas32[^1] = Config.FinalSigmasType == FinalSigmasType.SigmaMin ? table[0] : 0f;

        var timesteps32 = new float[timesteps.Length];
        for (int i = 0; i < timesteps.Length; i++)
        {
            timesteps32[i] = (float)timesteps[i];
        }

        if (!Config.UseKarrasSigmas || Config.BetaSchedule != BetaSchedule.SquaredCosCapV2)
        {
            ScheduleMath.EnsureTimestepsInRange(timesteps32, trainSteps, Name);
        }

        return new InferencePlan(timesteps32, sigmas32, 1f);
    }

    private protected override void OnSampleLengthChanged(int length)
    {
        _modelOutputs = new float[_solverOrder][];
        for (int i = 0; i < _modelOutputs.Length; i++)
        {
            _modelOutputs[i] = new float[length];
        }
    }

    private protected override void ClearHistory() => _lowerOrderNums = 0;

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        int steps = Timesteps.Length;
        bool lowerOrderFinal = stepIndex == steps - 1
            && (Config.EulerAtFinal || (Config.LowerOrderFinal && steps < 15) || Config.FinalSigmasType == FinalSigmasType.Zero);
        bool lowerOrderSecond = stepIndex == steps - 2 && Config.LowerOrderFinal && steps < 15;

        // Shift the history (oldest buffer is reused for the newest output) and convert in place.
        float[] newest = _modelOutputs[0];
        Array.Copy(_modelOutputs, 1, _modelOutputs, 0, _solverOrder - 1);
        _modelOutputs[_solverOrder - 1] = newest;
        ConvertModelOutput(modelOutput, stepIndex, sample, newest);

        if (_solverOrder == 1 || _lowerOrderNums < 1 || lowerOrderFinal)
        {
            FirstOrderUpdate(stepIndex, sample, prevSample, noise);
        }
        else if (_solverOrder == 2 || _lowerOrderNums < 2 || lowerOrderSecond)
        {
            SecondOrderUpdate(stepIndex, sample, prevSample, noise);
        }
        else
        {
            ThirdOrderUpdate(stepIndex, sample, prevSample);
        }

        if (_lowerOrderNums < _solverOrder)
        {
            _lowerOrderNums++;
        }
    }

    /// <summary>diffusers' <c>convert_model_output</c>: x0 for the ++ variants, epsilon otherwise (float32).</summary>
    private void ConvertModelOutput(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> destination)
    {
        (float alphaT, float sigmaT) = AlphaSigma(Sigmas[stepIndex]);
        PredictionType prediction = Config.PredictionType;
        if (IsDataPrediction)
        {
            switch (prediction)
            {
                case PredictionType.Epsilon:
                    // x0 = (x - sigma_t * eps) / alpha_t
                    TensorPrimitives.Multiply(modelOutput, sigmaT, destination);
                    TensorPrimitives.Subtract(sample, destination, destination);
                    TensorPrimitives.Divide(destination, alphaT, destination);
                    break;
                case PredictionType.Sample:
                    modelOutput.CopyTo(destination);
                    break;
                case PredictionType.VPrediction:
                    // x0 = alpha_t * x - sigma_t * v
                    TensorPrimitives.Multiply(sample, alphaT, destination);
                    TensorPrimitives.MultiplyAdd(modelOutput, -sigmaT, destination, destination);
                    break;
                default:
                    throw new InvalidOperationException($"unknown prediction type {prediction}");
            }
        }
        else
        {
            switch (prediction)
            {
                case PredictionType.Epsilon:
                    modelOutput.CopyTo(destination);
                    break;
                case PredictionType.Sample:
                    // eps = (x - alpha_t * x0) / sigma_t
                    TensorPrimitives.Multiply(modelOutput, alphaT, destination);
                    TensorPrimitives.Subtract(sample, destination, destination);
                    TensorPrimitives.Divide(destination, sigmaT, destination);
                    break;
                case PredictionType.VPrediction:
                    // eps = alpha_t * v + sigma_t * x
                    TensorPrimitives.Multiply(modelOutput, alphaT, destination);
                    TensorPrimitives.MultiplyAdd(sample, sigmaT, destination, destination);
                    break;
                default:
                    throw new InvalidOperationException($"unknown prediction type {prediction}");
            }
        }
    }

    private void FirstOrderUpdate(int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        (float alphaT, float sigmaT) = AlphaSigma(Sigmas[stepIndex + 1]);
        (float alphaS, float sigmaS) = AlphaSigma(Sigmas[stepIndex]);
        float h = Lambda(alphaT, sigmaT) - Lambda(alphaS, sigmaS);
        ReadOnlySpan<float> d0 = _modelOutputs[_solverOrder - 1];

        float a;
        float b0;
        float c = 0f;
        switch (_algorithm)
        {
            case DpmSolverAlgorithmType.DpmSolverPlusPlus:
                a = sigmaT / sigmaS;
                b0 = -(alphaT * (MathF.Exp(-h) - 1f));
                break;
            case DpmSolverAlgorithmType.DpmSolver:
                a = alphaT / alphaS;
                b0 = -(sigmaT * (MathF.Exp(h) - 1f));
                break;
            case DpmSolverAlgorithmType.SdeDpmSolverPlusPlus:
                a = sigmaT / sigmaS * MathF.Exp(-h);
                b0 = alphaT * (1f - MathF.Exp(-2f * h));
                c = sigmaT * MathF.Sqrt(1f - MathF.Exp(-2f * h));
                break;
            default:
                a = alphaT / alphaS;
                b0 = -(2f * (sigmaT * (MathF.Exp(h) - 1f)));
                c = sigmaT * MathF.Sqrt(MathF.Exp(2f * h) - 1f);
                break;
        }

        Combine(sample, a, d0, b0, default, 0f, default, 0f, noise, c, prevSample);
    }

    private void SecondOrderUpdate(int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        (float alphaT, float sigmaT) = AlphaSigma(Sigmas[stepIndex + 1]);
        (float alphaS0, float sigmaS0) = AlphaSigma(Sigmas[stepIndex]);
        (float alphaS1, float sigmaS1) = AlphaSigma(Sigmas[stepIndex - 1]);
        float lambdaT = Lambda(alphaT, sigmaT);
        float lambdaS0 = Lambda(alphaS0, sigmaS0);
        float lambdaS1 = Lambda(alphaS1, sigmaS1);
        ReadOnlySpan<float> m0 = _modelOutputs[_solverOrder - 1];
        ReadOnlySpan<float> m1 = _modelOutputs[_solverOrder - 2];

        float h = lambdaT - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float r0 = h0 / h;

        // D1 = (1 / r0) * (m0 - m1)
        Span<float> d1 = Scratch(0);
        TensorPrimitives.Subtract(m0, m1, d1);
        TensorPrimitives.Multiply(d1, 1f / r0, d1);

        bool midpoint = Config.SolverType == DpmSolverType.Midpoint;
        float a;
        float b0;
        float b1;
        float c = 0f;
        switch (_algorithm)
        {
            case DpmSolverAlgorithmType.DpmSolverPlusPlus:
                {
                    float e = MathF.Exp(-h) - 1f;
                    a = sigmaT / sigmaS0;
                    b0 = -(alphaT * e);
                    b1 = midpoint ? -(0.5f * (alphaT * e)) : alphaT * (e / h + 1f);
                    break;
                }

            case DpmSolverAlgorithmType.DpmSolver:
                {
                    float e = MathF.Exp(h) - 1f;
                    a = alphaT / alphaS0;
                    b0 = -(sigmaT * e);
                    b1 = midpoint ? -(0.5f * (sigmaT * e)) : -(sigmaT * (e / h - 1f));
                    break;
                }

            case DpmSolverAlgorithmType.SdeDpmSolverPlusPlus:
                {
                    float e = 1f - MathF.Exp(-2f * h);
                    a = sigmaT / sigmaS0 * MathF.Exp(-h);
                    b0 = alphaT * e;
                    b1 = midpoint ? 0.5f * (alphaT * e) : alphaT * (e / (-2f * h) + 1f);
                    c = sigmaT * MathF.Sqrt(1f - MathF.Exp(-2f * h));
                    break;
                }

            default:
                {
                    float e = MathF.Exp(h) - 1f;
                    a = alphaT / alphaS0;
                    b0 = -(2f * (sigmaT * e));
                    b1 = midpoint ? -(sigmaT * e) : -(2f * (sigmaT * (e / h - 1f)));
                    c = sigmaT * MathF.Sqrt(MathF.Exp(2f * h) - 1f);
                    break;
                }
        }

        Combine(sample, a, m0, b0, d1, b1, default, 0f, noise, c, prevSample);
    }

    private void ThirdOrderUpdate(int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        (float alphaT, float sigmaT) = AlphaSigma(Sigmas[stepIndex + 1]);
        (float alphaS0, float sigmaS0) = AlphaSigma(Sigmas[stepIndex]);
        (float alphaS1, float sigmaS1) = AlphaSigma(Sigmas[stepIndex - 1]);
        (float alphaS2, float sigmaS2) = AlphaSigma(Sigmas[stepIndex - 2]);
        float lambdaT = Lambda(alphaT, sigmaT);
        float lambdaS0 = Lambda(alphaS0, sigmaS0);
        float lambdaS1 = Lambda(alphaS1, sigmaS1);
        float lambdaS2 = Lambda(alphaS2, sigmaS2);
        ReadOnlySpan<float> m0 = _modelOutputs[_solverOrder - 1];
        ReadOnlySpan<float> m1 = _modelOutputs[_solverOrder - 2];
        ReadOnlySpan<float> m2 = _modelOutputs[_solverOrder - 3];

        float h = lambdaT - lambdaS0;
        float h0 = lambdaS0 - lambdaS1;
        float h1 = lambdaS1 - lambdaS2;
        float r0 = h0 / h;
        float r1 = h1 / h;

        // D1_0 = (1/r0)(m0 - m1); D1_1 = (1/r1)(m1 - m2)
        Span<float> d10 = Scratch(0);
        Span<float> d11 = Scratch(1);
        Span<float> d1 = Scratch(2);
        Span<float> d2 = Scratch(3);
        TensorPrimitives.Subtract(m0, m1, d10);
        TensorPrimitives.Multiply(d10, 1f / r0, d10);
        TensorPrimitives.Subtract(m1, m2, d11);
        TensorPrimitives.Multiply(d11, 1f / r1, d11);

        // D1 = D1_0 + (r0 / (r0 + r1)) (D1_0 - D1_1); D2 = (1 / (r0 + r1)) (D1_0 - D1_1)
        TensorPrimitives.Subtract(d10, d11, d2);
        TensorPrimitives.MultiplyAdd(d2, r0 / (r0 + r1), d10, d1);
        TensorPrimitives.Multiply(d2, 1f / (r0 + r1), d2);

        float a;
        float b0;
        float b1;
        float b2;
        if (_algorithm == DpmSolverAlgorithmType.DpmSolverPlusPlus)
        {
            float e = MathF.Exp(-h) - 1f;
            a = sigmaT / sigmaS0;
            b0 = -(alphaT * e);
            b1 = alphaT * (e / h + 1f);
            b2 = -(alphaT * ((e + h) / (h * h) - 0.5f));
        }
        else
        {
            float e = MathF.Exp(h) - 1f;
            a = alphaT / alphaS0;
            b0 = -(sigmaT * e);
            b1 = -(sigmaT * (e / h - 1f));
            b2 = -(sigmaT * ((e - h) / (h * h) - 0.5f));
        }

        Combine(sample, a, m0, b0, d1, b1, d2, b2, default, 0f, prevSample);
    }

    /// <summary>
    /// <c>destination = a*x + b0*d0 + b1*d1 + b2*d2 + c*noise</c>, evaluated left to right in float32 with
    /// each product rounded (diffusers' operation order); empty spans are skipped. Element-wise, so
    /// <paramref name="destination"/> may be <paramref name="x"/> (in-place stepping).
    /// </summary>
    private static void Combine(
        ReadOnlySpan<float> x, float a,
        ReadOnlySpan<float> d0, float b0,
        ReadOnlySpan<float> d1, float b1,
        ReadOnlySpan<float> d2, float b2,
        ReadOnlySpan<float> noise, float c,
        Span<float> destination)
    {
        TensorPrimitives.Multiply(x, a, destination);
        TensorPrimitives.MultiplyAdd(d0, b0, destination, destination);
        if (!d1.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(d1, b1, destination, destination);
        }

        if (!d2.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(d2, b2, destination, destination);
        }

        if (!noise.IsEmpty)
        {
            TensorPrimitives.MultiplyAdd(noise, c, destination, destination);
        }
    }

    /// <summary>diffusers' <c>_sigma_to_alpha_sigma_t</c> in float32: alpha = 1 / sqrt(sigma^2 + 1), sigma_t = sigma * alpha.</summary>
    private static (float Alpha, float Sigma) AlphaSigma(float sigma)
    {
        float alpha = 1f / MathF.Sqrt(sigma * sigma + 1f);
        return (alpha, sigma * alpha);
    }

    /// <summary>Half log-SNR, <c>log(alpha) - log(sigma)</c> (float32; +infinity at sigma = 0).</summary>
    private static float Lambda(float alpha, float sigma) => MathF.Log(alpha) - MathF.Log(sigma);
}
