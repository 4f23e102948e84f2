namespace Nudge.Engine.Schedulers;

/// <summary>
/// NumPy/PyTorch-compatible numeric helpers used to build timestep and sigma schedules the way
/// diffusers does (same rounding, same float32/float64 boundaries).
/// </summary>
internal static class ScheduleMath
{
    /// <summary>
    /// <c>torch.linspace(start, end, n, dtype=torch.float32)</c> on the CPU, reproducing PyTorch's AVX2
    /// kernel: the step is a float32; the first half counts up from <paramref name="start"/> and the
    /// second half down from <paramref name="end"/>; pairs of 8-wide vector blocks start from
    /// <c>fma(step, idx, start)</c> (or <c>fma(-step, n - 1 - idx, end)</c>) and add <c>j * step</c>; the
    /// tail that does not fill two blocks uses the scalar formula.
    /// </summary>
    public static float[] TorchLinspaceFloat32(float start, float end, int n)
    {
        var result = new float[n];
        if (n == 1)
        {
            result[0] = start;
            return result;
        }

        const int vec = 8;
        float step = (end - start) / (n - 1);
        int halfway = n / 2;
        int i = 0;
        for (; i <= n - 2 * vec; i += vec)
        {
            float baseValue = i < halfway
                ? MathF.FusedMultiplyAdd(step, i, start)
                : MathF.FusedMultiplyAdd(-step, n - i - 1, end);
            result[i] = baseValue;
            for (int j = 1; j < vec; j++)
            {
                result[i + j] = baseValue + (float)j * step;
            }
        }

        for (; i < n; i++)
        {
            result[i] = i < halfway ? start + step * i : end - step * (n - i - 1);
        }

        return result;
    }

    /// <summary><c>numpy.linspace(start, stop, num)</c> in float64 (endpoint included).</summary>
    public static double[] NumpyLinspace(double start, double stop, int num)
    {
        var y = new double[num];
        if (num == 0)
        {
            return y;
        }

        int div = num - 1;
        if (div == 0)
        {
            y[0] = start;
            return y;
        }

        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++)
        {
            y[i] = step == 0 ? i / (double)div * delta + start : i * step + start;
        }

        y[num - 1] = stop;
        return y;
    }

    /// <summary><c>numpy.arange(start, stop, step)</c> for a float step (float64 result).</summary>
    public static double[] NumpyArange(double start, double stop, double step)
    {
        double len = Math.Ceiling((stop - start) / step);
        int length = len > 0 ? checked((int)len) : 0;
        var y = new double[length];
        if (length == 0)
        {
            return y;
        }

        y[0] = start;
        if (length > 1)
        {
            y[1] = start + step;
            double delta = y[1] - y[0];
            for (int i = 2; i < length; i++)
            {
                y[i] = start + i * delta;
            }
        }

        return y;
    }

    /// <summary><c>numpy.round</c> (round half to even).</summary>
    public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);

    /// <summary>
    /// <c>numpy.interp(x, arange(len(table)), table)</c> for one point, in float64 (same branch
    /// structure and operation order as NumPy's C implementation).
    /// </summary>
    public static double Interp(double x, ReadOnlySpan<float> table)
    {
        int n = table.Length;
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x <= 0)
        {
            return table[0];
        }

        if (x >= n - 1)
        {
            return table[n - 1];
        }

        int j = (int)Math.Floor(x);
        double yj = table[j];
        if (j == x)
        {
            return yj;
        }

        double slope = (double)table[j + 1] - yj; // (fp[j+1] - fp[j]) / (xp[j+1] - xp[j]) with unit spacing
        return slope * (x - j) + yj;
    }

    /// <summary>
    /// diffusers' <c>_convert_to_karras</c>: <paramref name="n"/> sigmas from <paramref name="sigmaMax"/>
    /// down to <paramref name="sigmaMin"/> with rho = 7 (float64).
    /// </summary>
    public static double[] KarrasSigmas(double sigmaMin, double sigmaMax, int n)
    {
        const double rho = 7.0;
        double[] ramp = NumpyLinspace(0, 1, n);
        double minInvRho = Math.Pow(sigmaMin, 1 / rho);
        double maxInvRho = Math.Pow(sigmaMax, 1 / rho);
        var sigmas = new double[n];
        for (int i = 0; i < n; i++)
        {
            sigmas[i] = Math.Pow(maxInvRho + ramp[i] * (minInvRho - maxInvRho), rho);
        }

        return sigmas;
    }

    /// <summary>
    /// diffusers' <c>_sigma_to_t</c>: the fractional training timestep whose (log-linearly interpolated)
    /// sigma equals <paramref name="sigma"/>. <paramref name="logSigmas"/> is <c>log(TrainSigmas)</c> in
    /// float32. Reproduces NumPy 1.x value-based casting (the interpolation weight is float32).
    /// </summary>
    public static double SigmaToT(double sigma, ReadOnlySpan<float> logSigmas)
    {
        float logSigma = (float)Math.Log(Math.Max(sigma, 1e-10));
        int n = logSigmas.Length;
        int count = 0;
        int best = 0;
        int lowIdx = 0;
        for (int i = 0; i < n; i++)
        {
            if (logSigma - logSigmas[i] >= 0)
            {
                count++;
            }

            if (count > best)
            {
                best = count;
                lowIdx = i;
            }
        }

        lowIdx = Math.Min(lowIdx, n - 2);
        int highIdx = lowIdx + 1;
        float low = logSigmas[lowIdx];
        float high = logSigmas[highIdx];
        float w = (low - logSigma) / (low - high);
        w = Math.Clamp(w, 0f, 1f);
        return (double)(1f - w) * lowIdx + (double)w * highIdx;
    }

    /// <summary><c>log(table)</c> in float32, element by element.</summary>
    public static float[] LogFloat32(ReadOnlySpan<float> table)
    {
        var result = new float[table.Length];
        for (int i = 0; i < table.Length; i++)
        {
            result[i] = (float)Math.Log(table[i]);
        }

        return result;
    }

    /// <summary>Largest value of a span (NaN-free input assumed).</summary>
    public static float Max(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values)
        {
            max = Math.Max(max, v);
        }

        return max;
    }

    /// <summary>Throws when an integer timestep falls outside the training range (e.g. a large <c>steps_offset</c>).</summary>
    public static void EnsureTimestepsInRange(ReadOnlySpan<float> timesteps, int numTrainTimesteps, string scheduler)
    {
        foreach (float t in timesteps)
        {
            if (!(t >= 0 && t <= numTrainTimesteps - 1))
            {
                throw new InvalidOperationException(
                    $"{scheduler}: timestep {t} is outside [0, {numTrainTimesteps - 1}]; check 'steps_offset' and 'timestep_spacing'.");
            }
        }
    }
}
