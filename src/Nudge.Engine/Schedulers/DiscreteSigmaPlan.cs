namespace Nudge.Engine.Schedulers;

/// <summary>
/// The timestep/sigma schedule shared by diffusers' k-diffusion style schedulers (Euler, Euler
/// ancestral, LMS): spaced float timesteps, sigmas interpolated from the training sigma table (or
/// Karras-spaced), a final sigma, and <c>init_noise_sigma</c>.
/// </summary>
internal static class DiscreteSigmaPlan
{
    /// <summary>Options that differ between the scheduler classes.</summary>
    /// <param name="Spacing">Resolved timestep spacing.</param>
    /// <param name="LinspaceInFloat32">Euler/Euler a build linspace timesteps as float32 before interpolating; LMS keeps float64.</param>
    /// <param name="UseKarras">Karras sigma spacing.</param>
    /// <param name="SigmaMin">Optional override of the smallest Karras sigma.</param>
    /// <param name="SigmaMax">Optional override of the largest Karras sigma.</param>
    /// <param name="FinalSigmaIsMin">Last sigma is the smallest training sigma instead of 0.</param>
    public readonly record struct Options(
        TimestepSpacing Spacing,
        bool LinspaceInFloat32,
        bool UseKarras,
        double? SigmaMin,
        double? SigmaMax,
        bool FinalSigmaIsMin);

    public static (float[] Timesteps, float[] Sigmas, float InitNoiseSigma) Build(
        NoiseSchedule schedule, SchedulerConfig config, int n, Options options)
    {
        int trainSteps = config.NumTrainTimesteps;
        double[] timesteps;
        switch (options.Spacing)
        {
            case TimestepSpacing.Linspace:
                {
                    double[] lin = ScheduleMath.NumpyLinspace(0, trainSteps - 1, n);
                    timesteps = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        double v = lin[n - 1 - i];
                        timesteps[i] = options.LinspaceInFloat32 ? (float)v : v;
                    }

                    break;
                }

            case TimestepSpacing.Leading:
                {
                    int ratio = trainSteps / n;
                    timesteps = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        timesteps[i] = (float)((double)(n - 1 - i) * ratio) + (float)config.StepsOffset;
                    }

                    break;
                }

            case TimestepSpacing.Trailing:
                {
                    double[] ar = ScheduleMath.NumpyArange(trainSteps, 0, -(double)trainSteps / n);
                    timesteps = new double[ar.Length];
                    for (int i = 0; i < ar.Length; i++)
                    {
                        timesteps[i] = ScheduleMath.Round(ar[i]) - 1;
                    }

                    break;
                }

            default:
                throw new InvalidOperationException($"unknown timestep spacing {options.Spacing}");
        }

        ReadOnlySpan<float> table = schedule.TrainSigmas;
        var sigmas = new double[timesteps.Length];
        for (int i = 0; i < sigmas.Length; i++)
        {
            sigmas[i] = ScheduleMath.Interp(timesteps[i], table);
        }

        if (options.UseKarras)
        {
            float[] logSigmas = ScheduleMath.LogFloat32(table);
            double sigmaMin = options.SigmaMin ?? sigmas[^1];
            double sigmaMax = options.SigmaMax ?? sigmas[0];
            sigmas = ScheduleMath.KarrasSigmas(sigmaMin, sigmaMax, n);
            timesteps = new double[sigmas.Length];
            for (int i = 0; i < sigmas.Length; i++)
            {
                timesteps[i] = ScheduleMath.SigmaToT(sigmas[i], logSigmas);
            }
        }

        var sigmas32 = new float[sigmas.Length + 1];
        for (int i = 0; i < sigmas.Length; i++)
        {
            sigmas32[i] = (float)sigmas[i];
        }

        sigmas32[^1] = options.FinalSigmaIsMin ? table[0] : 0f;

        var timesteps32 = new float[timesteps.Length];
        for (int i = 0; i < timesteps.Length; i++)
        {
            timesteps32[i] = (float)timesteps[i];
        }

        // init_noise_sigma: max sigma for linspace/trailing, sqrt(max^2 + 1) for leading (float32 tensor math).
        float maxSigma = ScheduleMath.Max(sigmas32);
        float init = options.Spacing is TimestepSpacing.Linspace or TimestepSpacing.Trailing
            ? maxSigma
            : MathF.Sqrt(maxSigma * maxSigma + 1f);
        return (timesteps32, sigmas32, init);
    }
}
