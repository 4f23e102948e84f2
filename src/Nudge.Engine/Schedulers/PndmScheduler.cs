using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// PNDM (Liu et al. 2022), a port of diffusers' <c>PNDMScheduler</c>. With <c>skip_prk_steps: true</c>
/// (Stable Diffusion 1.x) this is PLMS: a 4th-order Adams–Bashforth method on the model outputs,
/// warmed up by a repeated first timestep; otherwise 12 Runge–Kutta (PRK) steps come first.
/// </summary>
/// <remarks>
/// <para>PLMS timesteps repeat their second entry (<c>n + 1</c> entries). Step 0 applies the PNDM
/// transfer with the first model output; step 1 (the repeated timestep) averages its model output with
/// step 0's and redoes the transfer from step 0's input sample; later steps use the 2-, 3- and 4-term
/// Adams–Bashforth combinations.</para>
/// <para>Step k takes the sample from the noise level of <c>Timesteps[k]</c> to that of <c>Timesteps[k + 1]</c>
/// (step 1 maps 961 to 961 in the SD schedule: it replaces step 0's estimate).</para>
/// <para>Restarting (after <see cref="SchedulerBase.ResetHistory"/> or a non-consecutive step index) at
/// k &gt; 1: the history simply grows from one model output (1st-order transfer, then AB2, AB3, AB4), one
/// model call per timestep entry, as diffusers' multistep schedulers do for img2img. A restart exactly at
/// the repeated slot (k = 1) passes the sample through unchanged and warms up from k = 2. In PRK mode a
/// restart inside the Runge–Kutta part must start a 4-step group (step index divisible by 4).</para>
/// <para>Class defaults: <c>timestep_spacing</c> "leading", <c>set_alpha_to_one</c> false. Supports
/// <c>epsilon</c> and <c>v_prediction</c>.</para>
/// </remarks>
public sealed class PndmScheduler : SchedulerBase
{
    private const int PndmOrder = 4;

    private readonly TimestepSpacing _spacing;
    private readonly float _finalAlphaCumprod;
    private readonly bool _skipPrk;

    private float[][] _ets = [];
    private int _etsCount;
    private float[] _curSample = [];
    private bool _hasCurSample;
    private float[] _curModelOutput = [];
    private int _counter;
    private int _prkCount;
    private int _prkGroupStart = -1;

    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    /// <exception cref="NotSupportedException"><c>prediction_type</c> is "sample" (diffusers does not support it either).</exception>
    public PndmScheduler(SchedulerConfig config)
        : base(config)
    {
        if (config.PredictionType == PredictionType.Sample)
        {
            throw new NotSupportedException("PNDMScheduler supports prediction_type 'epsilon' and 'v_prediction' only.");
        }

        _spacing = config.TimestepSpacing ?? TimestepSpacing.Leading;
        _finalAlphaCumprod = config.SetAlphaToOne ?? false ? 1f : Schedule.AlphasCumprod[0];
        _skipPrk = config.SkipPrkSteps;
    }

    /// <inheritdoc />
    public override string Name => "PNDMScheduler";

    /// <summary>Number of leading Runge–Kutta steps in <see cref="SchedulerBase.Timesteps"/> (0 with <c>skip_prk_steps</c>).</summary>
    public int PrkStepCount => _prkCount;

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

        // Ascending base timesteps (diffusers' self._timesteps).
        long[] baseSteps;
        switch (_spacing)
        {
            case TimestepSpacing.Linspace:
                {
                    double[] lin = ScheduleMath.NumpyLinspace(0, trainSteps - 1, n);
                    baseSteps = lin.Select(v => (long)ScheduleMath.Round(v)).ToArray();
                    break;
                }

            case TimestepSpacing.Leading:
                {
                    int ratio = trainSteps / n;
                    baseSteps = Enumerable.Range(0, n).Select(i => (long)i * ratio + Config.StepsOffset).ToArray();
                    break;
                }

            case TimestepSpacing.Trailing:
                {
                    double[] ar = ScheduleMath.NumpyArange(trainSteps, 0, -(double)trainSteps / n);
                    baseSteps = ar.Reverse().Select(v => (long)ScheduleMath.Round(v) - 1).ToArray();
                    break;
                }

            default:
                throw new InvalidOperationException($"unknown timestep spacing {_spacing}");
        }

        List<long> prk = [];
        List<long> plms = [];
        int m = baseSteps.Length;
        if (_skipPrk)
        {
            // concatenate([_t[:-1], _t[-2:-1], _t[-1:]])[::-1]
            plms.AddRange(baseSteps.Take(Math.Max(m - 1, 0)));
            if (m >= 2)
            {
                plms.Add(baseSteps[m - 2]);
            }

            plms.Add(baseSteps[m - 1]);
            plms.Reverse();
        }
        else
        {
            long half = trainSteps / n / 2;
            long[] last = baseSteps.Skip(Math.Max(m - PndmOrder, 0)).ToArray();
            var withHalves = new List<long>();
            foreach (long t in last)
            {
                withHalves.Add(t);
                withHalves.Add(t + half);
            }

            // prk_timesteps[:-1].repeat(2)[1:-1][::-1]
            var repeated = new List<long>();
            foreach (long t in withHalves.Take(withHalves.Count - 1))
            {
                repeated.Add(t);
                repeated.Add(t);
            }

            if (repeated.Count >= 2)
            {
                prk.AddRange(repeated.Skip(1).Take(repeated.Count - 2));
            }

            prk.Reverse();

            // _t[:-3][::-1]
            plms.AddRange(baseSteps.Take(Math.Max(m - 3, 0)));
            plms.Reverse();
        }

        float[] timesteps = prk.Concat(plms).Select(t => (float)t).ToArray();
        ScheduleMath.EnsureTimestepsInRange(timesteps, trainSteps, Name);
        _prkCount = prk.Count;
        return new InferencePlan(timesteps, [], 1f);
    }

    private protected override void OnSampleLengthChanged(int length)
    {
        _ets = new float[PndmOrder][];
        for (int i = 0; i < _ets.Length; i++)
        {
            _ets[i] = new float[length];
        }

        _curSample = new float[length];
        _curModelOutput = new float[length];
    }

    private protected override void ClearHistory()
    {
        _etsCount = 0;
        _hasCurSample = false;
        _counter = 0;
        _prkGroupStart = -1;
    }

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        if (!_skipPrk && stepIndex < _prkCount)
        {
            StepPrk(modelOutput, stepIndex, sample, prevSample);
            _counter++;
            return;
        }

        if (_skipPrk && _counter == 0 && IsRepeatedSlot(stepIndex))
        {
            // Restart exactly at the repeated-timestep slot: in the PLMS schedule this step maps the sample
            // onto the same noise level (it only refines the warm-up estimate), so without warm-up state it
            // is the identity and the warm-up starts at the next entry.
            if (!sample.Overlaps(prevSample))
            {
                sample.CopyTo(prevSample);
            }

            return;
        }

        StepPlms(modelOutput, stepIndex, sample, prevSample);
        _counter++;
    }

    /// <summary>Whether <paramref name="stepIndex"/> is the PLMS warm-up slot: a non-first entry whose successor repeats its timestep.</summary>
    private bool IsRepeatedSlot(int stepIndex) =>
        stepIndex > 0 && stepIndex + 1 < Timesteps.Length && Timesteps[stepIndex + 1] == Timesteps[stepIndex];

    private void StepPrk(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        int phase = stepIndex % 4;
        if (phase == 0)
        {
            _prkGroupStart = stepIndex;
        }
        else if (_prkGroupStart != stepIndex - phase)
        {
            throw new InvalidOperationException(
                $"{Name}: Runge-Kutta warm-up step {stepIndex} continues a 4-step group that was not started; restart at a multiple of 4.");
        }

        int trainSteps = Config.NumTrainTimesteps;
        int diffToPrev = stepIndex % 2 == 1 ? 0 : trainSteps / NumInferenceSteps / 2;
        int prevT = TimestepAt(stepIndex) - diffToPrev;
        int t = TimestepAt(stepIndex - phase);

        ReadOnlySpan<float> effective = modelOutput;
        switch (phase)
        {
            case 0:
                TensorPrimitives.Multiply(modelOutput, (float)(1.0 / 6), _curModelOutput);
                PushEts(modelOutput);
                sample.CopyTo(_curSample);
                _hasCurSample = true;
                break;
            case 1:
            case 2:
                TensorPrimitives.MultiplyAdd(modelOutput, (float)(1.0 / 3), _curModelOutput, _curModelOutput);
                break;
            default:
                Span<float> combined = Scratch(0);
                TensorPrimitives.MultiplyAdd(modelOutput, (float)(1.0 / 6), _curModelOutput, combined);
                _curModelOutput.AsSpan().Clear();
                effective = combined;
                break;
        }

        GetPrevSample(_curSample, t, prevT, effective, prevSample);
    }

    private void StepPlms(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample)
    {
        int ratio = Config.NumTrainTimesteps / NumInferenceSteps;
        int t = TimestepAt(stepIndex);
        int prevT = t - ratio;
        ReadOnlySpan<float> source = sample;
        ReadOnlySpan<float> effective;
        Span<float> combined = Scratch(0);

        bool warmUpRepeat = _skipPrk && _counter == 1 && _hasCurSample && _etsCount == 1 && IsRepeatedSlot(stepIndex);
        if (warmUpRepeat)
        {
            // Second PLMS warm-up call: average with the first model output and redo the transfer
            // from the first call's sample (t + ratio -> t); this output is not added to the history.
            prevT = t;
            t += ratio;
            TensorPrimitives.Add(modelOutput, _ets[0], combined);
            TensorPrimitives.Divide(combined, 2f, combined);
            effective = combined;
            source = _curSample;
            _hasCurSample = false;
        }
        else
        {
            PushEts(modelOutput);
            ReadOnlySpan<float> e1 = Ets(1);
            switch (_etsCount)
            {
                case 1:
                    effective = modelOutput;
                    sample.CopyTo(_curSample);
                    _hasCurSample = true;
                    break;
                case 2:
                    // (3 e1 - e2) / 2
                    TensorPrimitives.Multiply(e1, 3f, combined);
                    TensorPrimitives.Subtract(combined, Ets(2), combined);
                    TensorPrimitives.Divide(combined, 2f, combined);
                    effective = combined;
                    break;
                case 3:
                    // (23 e1 - 16 e2 + 5 e3) / 12
                    TensorPrimitives.Multiply(e1, 23f, combined);
                    TensorPrimitives.MultiplyAdd(Ets(2), -16f, combined, combined);
                    TensorPrimitives.MultiplyAdd(Ets(3), 5f, combined, combined);
                    TensorPrimitives.Divide(combined, 12f, combined);
                    effective = combined;
                    break;
                default:
                    // (1/24) (55 e1 - 59 e2 + 37 e3 - 9 e4)
                    TensorPrimitives.Multiply(e1, 55f, combined);
                    TensorPrimitives.MultiplyAdd(Ets(2), -59f, combined, combined);
                    TensorPrimitives.MultiplyAdd(Ets(3), 37f, combined, combined);
                    TensorPrimitives.MultiplyAdd(Ets(4), -9f, combined, combined);
                    TensorPrimitives.Multiply(combined, (float)(1.0 / 24), combined);
                    effective = combined;
                    break;
            }
        }

        GetPrevSample(source, t, prevT, effective, prevSample);
    }

    /// <summary>
    /// The PNDM transfer (formula (9) of the paper) from timestep <paramref name="t"/> to
    /// <paramref name="prevT"/>, in float32 with diffusers' operation order.
    /// </summary>
    private void GetPrevSample(ReadOnlySpan<float> sample, int t, int prevT, ReadOnlySpan<float> modelOutput, Span<float> prevSample)
    {
        ReadOnlySpan<float> alphasCumprod = Schedule.AlphasCumprod;
        float alphaProdT = alphasCumprod[t];
        float alphaProdTPrev = prevT >= 0 ? alphasCumprod[prevT] : _finalAlphaCumprod;
        float betaProdT = 1f - alphaProdT;
        float betaProdTPrev = 1f - alphaProdTPrev;

        if (Config.PredictionType == PredictionType.VPrediction)
        {
            Span<float> eps = Scratch(1);
            TensorPrimitives.Multiply(modelOutput, MathF.Sqrt(alphaProdT), eps);
            TensorPrimitives.MultiplyAdd(sample, MathF.Sqrt(betaProdT), eps, eps);
            modelOutput = eps;
        }

        float sampleCoeff = MathF.Sqrt(alphaProdTPrev / alphaProdT);
        float denominator = alphaProdT * MathF.Sqrt(betaProdTPrev) + MathF.Sqrt(alphaProdT * betaProdT * alphaProdTPrev);

        // prev = sample_coeff * sample - (alpha_prev - alpha_t) * eps / denom
        Span<float> correction = Scratch(2);
        TensorPrimitives.Multiply(modelOutput, alphaProdTPrev - alphaProdT, correction);
        TensorPrimitives.Divide(correction, denominator, correction);
        TensorPrimitives.Negate(correction, correction);
        TensorPrimitives.MultiplyAdd(sample, sampleCoeff, correction, prevSample);
    }

    /// <summary>The <paramref name="back"/>-th most recent stored model output (1 = newest).</summary>
    private ReadOnlySpan<float> Ets(int back) => _ets[_etsCount - back];

    private void PushEts(ReadOnlySpan<float> modelOutput)
    {
        if (_etsCount == PndmOrder)
        {
            float[] oldest = _ets[0];
            Array.Copy(_ets, 1, _ets, 0, PndmOrder - 1);
            _ets[PndmOrder - 1] = oldest;
            _etsCount--;
        }

        modelOutput.CopyTo(_ets[_etsCount]);
        _etsCount++;
    }
}
