using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// Shared machinery of the built-in schedulers: the training noise schedule, the inference schedule
/// (timesteps, sigmas, initial noise sigma), argument checks, preallocated scratch buffers, history
/// continuity and the generic x̂0/ε̂/re-noising helpers. Cannot be derived from outside this assembly.
/// </summary>
public abstract class SchedulerBase : IScheduler
{
    private float[] _timesteps = [];
    private float[] _sigmas = [];
    private float[][] _buffers = [];
    private int _bufferLength = -1;
    private int _nextStepIndex = -1;

    private protected SchedulerBase(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Thresholding)
        {
            throw new NotSupportedException("scheduler config 'thresholding: true' (dynamic thresholding) is not supported.");
        }

        Config = config;
        Schedule = NoiseSchedule.FromConfig(config);
    }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public SchedulerConfig Config { get; }

    /// <inheritdoc />
    public NoiseSchedule Schedule { get; }

    /// <inheritdoc />
    public int NumInferenceSteps { get; private set; }

    /// <inheritdoc />
    public ReadOnlySpan<float> Timesteps => _timesteps;

    /// <inheritdoc />
    public ReadOnlySpan<float> Sigmas => _sigmas;

    /// <inheritdoc />
    public float InitNoiseSigma { get; private set; } = 1f;

    /// <summary>Number of entries in <see cref="Timesteps"/>, i.e. of <see cref="Step"/> calls in a full run.</summary>
    public int StepCount => _timesteps.Length;

    /// <summary>Number of scratch buffers (of the sample's length) the scheduler needs in <see cref="Step"/>.</summary>
    private protected virtual int ScratchCount => 3;

    /// <inheritdoc />
    public void SetTimesteps(int numInferenceSteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numInferenceSteps, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(numInferenceSteps, Config.NumTrainTimesteps);
        InferencePlan plan = BuildPlan(numInferenceSteps);
        NumInferenceSteps = numInferenceSteps;
        _timesteps = plan.Timesteps;
        _sigmas = plan.Sigmas;
        InitNoiseSigma = plan.InitNoiseSigma;
        ResetHistory();
    }

    /// <inheritdoc />
    public void ResetHistory()
    {
        _nextStepIndex = -1;
        ClearHistory();
    }

    /// <inheritdoc />
    public virtual void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination)
    {
        CheckStepIndex(stepIndex);
        CheckSameLength(sample, destination, nameof(destination));
        float divisor = InputDivisor(stepIndex);
        if (divisor == 1f)
        {
            if (!sample.Overlaps(destination))
            {
                sample.CopyTo(destination);
            }
        }
        else
        {
            // diffusers: sample / ((sigma**2 + 1) ** 0.5), a float32 division.
            TensorPrimitives.Divide(sample, divisor, destination);
        }
    }

    /// <inheritdoc />
    public virtual bool NeedsNoise(int stepIndex)
    {
        CheckStepIndex(stepIndex);
        return false;
    }

    /// <inheritdoc />
    public void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise = default)
    {
        CheckStepIndex(stepIndex);
        CheckSameLength(sample, modelOutput, nameof(modelOutput));
        CheckSameLength(sample, prevSample, nameof(prevSample));
        bool needsNoise = NeedsNoise(stepIndex);
        if (needsNoise && noise.Length != sample.Length)
        {
            throw new ArgumentException(
                $"{Name} step {stepIndex} needs {sample.Length} unit-normal noise values but got {noise.Length}.", nameof(noise));
        }

        EnsureBuffers(sample.Length);
        if (_nextStepIndex >= 0 && stepIndex != _nextStepIndex)
        {
            // Not a continuation of the previous step: the stored history belongs to another trajectory.
            ClearHistory();
        }

        StepCore(modelOutput, stepIndex, sample, prevSample, needsNoise ? noise : default);
        _nextStepIndex = stepIndex + 1;
    }

    /// <inheritdoc />
    public abstract NoiseLevel GetNoiseLevel(int stepIndex);

    /// <inheritdoc />
    public void PredictOriginalSample(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> destination)
    {
        CheckStepIndex(stepIndex);
        CheckSameLength(sample, modelOutput, nameof(modelOutput));
        CheckSameLength(sample, destination, nameof(destination));
        NoiseLevel level = GetNoiseLevel(stepIndex);
        switch (Config.PredictionType)
        {
            case PredictionType.Epsilon:
                // x0 = (x - s * eps) / a
                TensorPrimitives.MultiplyAdd(modelOutput, (float)-level.NoiseScale, sample, destination);
                TensorPrimitives.Divide(destination, (float)level.SignalScale, destination);
                break;
            case PredictionType.VPrediction:
                // x0 = alpha * (c_in * x) - sigma * v
                CombineAliasSafe(sample, (float)(level.ModelAlpha * level.InputScale), modelOutput, (float)-level.ModelSigma, destination);
                break;
            case PredictionType.Sample:
                modelOutput.CopyTo(destination);
                break;
            default:
                throw new InvalidOperationException($"unknown prediction type {Config.PredictionType}");
        }
    }

    /// <inheritdoc />
    public void PredictNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> destination)
    {
        CheckStepIndex(stepIndex);
        CheckSameLength(sample, modelOutput, nameof(modelOutput));
        CheckSameLength(sample, destination, nameof(destination));
        NoiseLevel level = GetNoiseLevel(stepIndex);
        switch (Config.PredictionType)
        {
            case PredictionType.Epsilon:
                modelOutput.CopyTo(destination);
                break;
            case PredictionType.VPrediction:
                // eps = alpha * v + sigma * (c_in * x)
                CombineAliasSafe(modelOutput, (float)level.ModelAlpha, sample, (float)(level.ModelSigma * level.InputScale), destination);
                break;
            case PredictionType.Sample:
                // eps = (x - a * x0) / s
                TensorPrimitives.MultiplyAdd(modelOutput, (float)-level.SignalScale, sample, destination);
                TensorPrimitives.Divide(destination, (float)level.NoiseScale, destination);
                break;
            default:
                throw new InvalidOperationException($"unknown prediction type {Config.PredictionType}");
        }
    }

    /// <inheritdoc />
    public void AddNoiseAt(ReadOnlySpan<float> originalSample, ReadOnlySpan<float> noise, int stepIndex, Span<float> destination)
    {
        CheckStepIndex(stepIndex);
        CheckSameLength(originalSample, noise, nameof(noise));
        CheckSameLength(originalSample, destination, nameof(destination));
        NoiseLevel level = GetNoiseLevel(stepIndex);
        CombineAliasSafe(originalSample, (float)level.SignalScale, noise, (float)level.NoiseScale, destination);
    }

    /// <summary>Computes timesteps, sigmas and the initial noise sigma for <paramref name="numInferenceSteps"/> steps.</summary>
    private protected abstract InferencePlan BuildPlan(int numInferenceSteps);

    /// <summary>The scheduler-specific update; arguments are already validated and buffers allocated.</summary>
    private protected abstract void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise);

    /// <summary>Forgets the multistep history (no-op for single-step schedulers).</summary>
    private protected virtual void ClearHistory()
    {
    }

    /// <summary>Called when the sample length changes, before the first step with the new length.</summary>
    private protected virtual void OnSampleLengthChanged(int length)
    {
    }

    /// <summary>The float32 divisor <c>sqrt(sigma^2 + 1)</c> used by <see cref="ScaleModelInput"/> for sigma-based schedulers.</summary>
    private protected virtual float InputDivisor(int stepIndex) => 1f;

    /// <summary>Scratch buffer <paramref name="slot"/> (0 to <see cref="ScratchCount"/> - 1) of the current sample length.</summary>
    private protected Span<float> Scratch(int slot) => _buffers[slot].AsSpan(0, _bufferLength);

    /// <summary>
    /// x̂0 of the sigma-based schedulers (Euler, Euler a, LMS) from the model output, per prediction_type,
    /// in diffusers' float32 operation order. Epsilon uses <paramref name="epsilonSigma"/> (Euler's churned
    /// sigma-hat), v-prediction uses <paramref name="sigma"/>. Uses scratch slot 1.
    /// </summary>
    private protected void SigmaPredictOriginal(ReadOnlySpan<float> modelOutput, ReadOnlySpan<float> sample, float epsilonSigma, float sigma, Span<float> x0)
    {
        switch (Config.PredictionType)
        {
            case PredictionType.Epsilon:
                TensorPrimitives.Multiply(modelOutput, epsilonSigma, x0);
                TensorPrimitives.Subtract(sample, x0, x0);
                break;
            case PredictionType.VPrediction:
                {
                    Span<float> tmp = Scratch(1);
                    float sigmaSqPlusOne = sigma * sigma + 1f;
                    TensorPrimitives.Multiply(modelOutput, -sigma / MathF.Sqrt(sigmaSqPlusOne), x0);
                    TensorPrimitives.Divide(sample, sigmaSqPlusOne, tmp);
                    TensorPrimitives.Add(x0, tmp, x0);
                    break;
                }

            case PredictionType.Sample:
                modelOutput.CopyTo(x0);
                break;
            default:
                throw new InvalidOperationException($"unknown prediction type {Config.PredictionType}");
        }
    }

    /// <summary>Integer training timestep at <paramref name="stepIndex"/>.</summary>
    private protected int TimestepAt(int stepIndex) => (int)_timesteps[stepIndex];

    private protected void CheckStepIndex(int stepIndex)
    {
        if (_timesteps.Length == 0)
        {
            throw new InvalidOperationException($"{Name}: call SetTimesteps before stepping.");
        }

        if ((uint)stepIndex >= (uint)_timesteps.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(stepIndex), stepIndex, $"step index must be in [0, {_timesteps.Length - 1}].");
        }
    }

    private static void CheckSameLength(ReadOnlySpan<float> reference, ReadOnlySpan<float> other, string name)
    {
        if (other.Length != reference.Length)
        {
            throw new ArgumentException($"expected {reference.Length} values but got {other.Length}.", name);
        }
    }

    /// <summary><c>destination = x * a + y * b</c> (two roundings per product, then the sum), safe when destination is x or y.</summary>
    private static void CombineAliasSafe(ReadOnlySpan<float> x, float a, ReadOnlySpan<float> y, float b, Span<float> destination)
    {
        if (destination.Overlaps(y))
        {
            TensorPrimitives.Multiply(y, b, destination);
            TensorPrimitives.MultiplyAdd(x, a, destination, destination);
        }
        else
        {
            TensorPrimitives.Multiply(x, a, destination);
            TensorPrimitives.MultiplyAdd(y, b, destination, destination);
        }
    }

    private void EnsureBuffers(int length)
    {
        if (length == _bufferLength)
        {
            return;
        }

        _buffers = new float[ScratchCount][];
        for (int i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new float[length];
        }

        _bufferLength = length;
        OnSampleLengthChanged(length);
        ClearHistory();
    }

    /// <summary>The inference schedule produced by <see cref="BuildPlan"/>.</summary>
    private protected readonly record struct InferencePlan(float[] Timesteps, float[] Sigmas, float InitNoiseSigma);
}
