namespace Nudge.Benchmarks.Core;

/// <summary>Small statistics over timings.</summary>
public static class Stats
{
    /// <summary>The median (mean of the middle two for even counts).</summary>
    /// <param name="values">At least one value.</param>
    /// <returns>The median.</returns>
    public static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>
    /// Least-squares fit of log(y) = slope · log(x) + intercept: the exponent of a power law (1 for linear growth).
    /// </summary>
    /// <param name="x">Positive x values.</param>
    /// <param name="y">Positive y values.</param>
    /// <returns>The slope, the intercept (natural logs) and R² of the fit.</returns>
    public static (double Slope, double Intercept, double R2) LogLogFit(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        int n = x.Count;
        double[] lx = x.Select(v => Math.Log(v)).ToArray();
        double[] ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++)
        {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
            syy += (ly[i] - my) * (ly[i] - my);
        }

        double slope = sxy / sxx;
        double r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return (slope, my - (slope * mx), r2);
    }
}
