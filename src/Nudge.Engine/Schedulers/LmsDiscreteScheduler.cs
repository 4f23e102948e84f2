using System.Numerics.Tensors;

namespace Nudge.Engine.Schedulers;

/// <summary>
/// Linear multistep sampler (order 4 by default), a port of diffusers' <c>LMSDiscreteScheduler</c>.
/// Deterministic; keeps the last <see cref="Order"/> ODE derivatives.
/// </summary>
/// <remarks>
/// The multistep coefficients are the integrals of the Lagrange basis polynomials over
/// <c>[sigma_k, sigma_{k+1}]</c>, computed exactly (4-point Gauss–Legendre in double; the integrands have
/// degree &lt;= 3). diffusers obtains them with <c>scipy.integrate.quad</c> on a float32 integrand, which
/// differs by a few 1e-7 relative. The order used at a step is <c>min(stored derivatives, Order)</c>, so
/// a restart begins with a first-order step. Class defaults: <c>timestep_spacing</c> "linspace".
/// Supports <c>use_karras_sigmas</c>.
/// </remarks>
public sealed class LmsDiscreteScheduler : SigmaSchedulerBase
{
    private static readonly double[] GaussNodes =
    [
        -0.86113631159405257522, -0.33998104358485626480, 0.33998104358485626480, 0.86113631159405257522,
    ];

    private static readonly double[] GaussWeights =
    [
        0.34785484513745385737, 0.65214515486254614263, 0.65214515486254614263, 0.34785484513745385737,
    ];

    private float[][] _derivatives = [];
    private int _derivativeCount;
    private int _order = 4;

    /// <summary>Creates the scheduler; call <see cref="SchedulerBase.SetTimesteps"/> before use.</summary>
    /// <param name="config">Scheduler configuration.</param>
    /// <exception cref="NotSupportedException">Exponential or beta sigmas are requested.</exception>
    public LmsDiscreteScheduler(SchedulerConfig config)
        : base(config, PlanOptions(config))
    {
        if (config.UseExponentialSigmas || config.UseBetaSigmas)
        {
            throw new NotSupportedException("LMSDiscreteScheduler: use_exponential_sigmas/use_beta_sigmas are not supported.");
        }
    }

    /// <inheritdoc />
    public override string Name => "LMSDiscreteScheduler";

    /// <summary>Order of the multistep method, 1 to 4 (diffusers' <c>step(order=4)</c> default). Changing it clears the history.</summary>
    public int Order
    {
        get => _order;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4);
            _order = value;
            ResetHistory();
        }
    }

    private protected override int ScratchCount => 2;

    /// <summary>
    /// diffusers' <c>get_lms_coefficient(order, t, current_order)</c>: the integral over
    /// <c>[sigmas[t], sigmas[t + 1]]</c> of the Lagrange basis polynomial of node <c>sigmas[t - current_order]</c>
    /// on the nodes <c>sigmas[t], ..., sigmas[t - order + 1]</c>.
    /// </summary>
    /// <param name="order">Number of nodes (1 to 4), at most <paramref name="stepIndex"/> + 1.</param>
    /// <param name="stepIndex">Current step index t.</param>
    /// <param name="currentOrder">Which node's basis polynomial (0 = the current sigma).</param>
    /// <returns>The coefficient multiplying the derivative stored <paramref name="currentOrder"/> steps ago.</returns>
    public double GetLmsCoefficient(int order, int stepIndex, int currentOrder)
    {
        CheckStepIndex(stepIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(order, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(order, stepIndex + 1);
        ArgumentOutOfRangeException.ThrowIfNegative(currentOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(currentOrder, order);

        ReadOnlySpan<float> sigmas = Sigmas;
        double a = sigmas[stepIndex];
        double b = sigmas[stepIndex + 1];
        double half = (b - a) / 2;
        double mid = (a + b) / 2;
        double sum = 0;
        for (int q = 0; q < GaussNodes.Length; q++)
        {
            double tau = mid + half * GaussNodes[q];
            double prod = 1.0;
            for (int k = 0; k < order; k++)
            {
                if (k == currentOrder)
                {
                    continue;
                }

                double sk = sigmas[stepIndex - k];
                prod *= (tau - sk) / (sigmas[stepIndex - currentOrder] - sk);
            }

            sum += GaussWeights[q] * prod;
        }

        return sum * half;
    }

    private protected override void OnSampleLengthChanged(int length)
    {
        _derivatives = new float[4][];
        for (int i = 0; i < _derivatives.Length; i++)
        {
            _derivatives[i] = new float[length];
        }
    }

    private protected override void ClearHistory() => _derivativeCount = 0;

    private protected override void StepCore(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise)
    {
        float sigma = Sigmas[stepIndex];
        Span<float> derivative = NextDerivativeSlot();
        SigmaPredictOriginal(modelOutput, sample, sigma, sigma, derivative);

        // derivative = (x - x0) / sigma
        TensorPrimitives.Subtract(sample, derivative, derivative);
        TensorPrimitives.Divide(derivative, sigma, derivative);

        // prev = x + sum_j coeff_j * derivative_{k-j}
        int order = Math.Min(_derivativeCount, _order);
        Span<float> sum = Scratch(0);
        for (int j = 0; j < order; j++)
        {
            float coefficient = (float)GetLmsCoefficient(order, stepIndex, j);
            ReadOnlySpan<float> d = _derivatives[_derivativeCount - 1 - j];
            if (j == 0)
            {
                TensorPrimitives.Multiply(d, coefficient, sum);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(d, coefficient, sum, sum);
            }
        }

        TensorPrimitives.Add(sample, sum, prevSample);
    }

    /// <summary>Appends a derivative slot (dropping the oldest beyond <see cref="Order"/>) and returns it for writing.</summary>
    private Span<float> NextDerivativeSlot()
    {
        if (_derivativeCount == _order)
        {
            float[] oldest = _derivatives[0];
            Array.Copy(_derivatives, 1, _derivatives, 0, _order - 1);
            _derivatives[_order - 1] = oldest;
            _derivativeCount--;
        }

        return _derivatives[_derivativeCount++];
    }

    // diffusers' class defaults for this sampler (see the remarks).
    private static DiscreteSigmaPlan.Options PlanOptions(SchedulerConfig config) =>
        new DiscreteSigmaPlan.Options(
            config.TimestepSpacing ?? TimestepSpacing.Linspace,
            LinspaceInFloat32: false,
            config.UseKarrasSigmas,
            SigmaMin: null,
            SigmaMax: null,
            FinalSigmaIsMin: false);
}
