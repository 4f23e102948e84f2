namespace Nudge.Engine.Schedulers;

/// <summary>
/// The training-time noise schedule of a diffusion model: betas, cumulative alpha products and the
/// matching sigma table, computed in float32 exactly the way diffusers/PyTorch compute them.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>linear</c>/<c>scaled_linear</c> betas reproduce PyTorch's float32 CPU <c>torch.linspace</c> kernel
/// (AVX2 path: 8-wide blocks whose base is a fused multiply-add) bit for bit, then square for
/// <c>scaled_linear</c>.</item>
/// <item><see cref="AlphasCumprod"/> is PyTorch's float32 <c>cumprod</c>: the running product is kept in
/// double and each entry is rounded to float32.</item>
/// <item><see cref="TrainSigmas"/> is <c>sqrt((1 - ac) / ac)</c> evaluated in float32.</item>
/// </list>
/// </remarks>
public sealed class NoiseSchedule
{
    private readonly float[] _betas;
    private readonly float[] _alphasCumprod;
    private readonly float[] _trainSigmas;

    private NoiseSchedule(float[] betas)
    {
        _betas = betas;
        _alphasCumprod = new float[betas.Length];
        _trainSigmas = new float[betas.Length];
        double running = 1.0;
        for (int i = 0; i < betas.Length; i++)
        {
            float alpha = 1f - betas[i];
            running *= alpha;
            float ac = (float)running;
            _alphasCumprod[i] = ac;
            _trainSigmas[i] = MathF.Sqrt((1f - ac) / ac);
        }
    }

    /// <summary>Number of training timesteps (length of every table).</summary>
    public int NumTrainTimesteps => _betas.Length;

    /// <summary><c>betas[t]</c>, float32.</summary>
    public ReadOnlySpan<float> Betas => _betas;

    /// <summary><c>alphas_cumprod[t] = prod_{i&lt;=t} (1 - betas[i])</c>, float32.</summary>
    public ReadOnlySpan<float> AlphasCumprod => _alphasCumprod;

    /// <summary>
    /// <c>sigma[t] = sqrt((1 - alphas_cumprod[t]) / alphas_cumprod[t])</c>, float32: the noise level of
    /// training timestep t in the "variance exploding" parameterisation used by Euler/LMS/DPM.
    /// </summary>
    public ReadOnlySpan<float> TrainSigmas => _trainSigmas;

    /// <summary>Builds the schedule described by a scheduler configuration.</summary>
    /// <param name="config">The configuration (<c>beta_start</c>, <c>beta_end</c>, <c>beta_schedule</c>,
    /// <c>trained_betas</c>, <c>num_train_timesteps</c>).</param>
    /// <returns>The schedule.</returns>
    /// <exception cref="NotSupportedException"><c>rescale_betas_zero_snr</c> is set.</exception>
    public static NoiseSchedule FromConfig(SchedulerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.RescaleBetasZeroSnr)
        {
            throw new NotSupportedException("scheduler config 'rescale_betas_zero_snr: true' is not supported.");
        }

        int n = config.NumTrainTimesteps;
        float[] betas;
        if (config.TrainedBetas is { } trained)
        {
            betas = new float[trained.Count];
            for (int i = 0; i < betas.Length; i++)
            {
                betas[i] = (float)trained[i];
            }
        }
        else
        {
            switch (config.BetaSchedule)
            {
                case BetaSchedule.Linear:
                    betas = ScheduleMath.TorchLinspaceFloat32((float)config.BetaStart, (float)config.BetaEnd, n);
                    break;
                case BetaSchedule.ScaledLinear:
                    betas = ScheduleMath.TorchLinspaceFloat32((float)Math.Sqrt(config.BetaStart), (float)Math.Sqrt(config.BetaEnd), n);
                    for (int i = 0; i < n; i++)
                    {
                        betas[i] *= betas[i];
                    }

                    break;
                case BetaSchedule.SquaredCosCapV2:
                    betas = CosineBetas(n, maxBeta: 0.999);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(config), config.BetaSchedule, "unknown beta_schedule");
            }
        }

        return new NoiseSchedule(betas);
    }

    /// <summary>diffusers' <c>betas_for_alpha_bar</c> with the cosine transform, computed in double and stored as float32.</summary>
    private static float[] CosineBetas(int n, double maxBeta)
    {
        static double AlphaBar(double t)
        {
            double c = Math.Cos((t + 0.008) / 1.008 * Math.PI / 2);
            return c * c;
        }

        var betas = new float[n];
        for (int i = 0; i < n; i++)
        {
            double t1 = (double)i / n;
            double t2 = (double)(i + 1) / n;
            betas[i] = (float)Math.Min(1 - AlphaBar(t2) / AlphaBar(t1), maxBeta);
        }

        return betas;
    }
}
