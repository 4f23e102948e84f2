namespace Nudge.Evaluation;

/// <summary>
/// Confidence intervals that resample captions, not outputs: the seeds of one memorized caption give nearly the same
/// image, so they are not independent evidence. Each resample draws as many captions as there are, with replacement,
/// and recomputes the statistic on all outputs of the drawn captions. Seeded, so a report reproduces.
/// </summary>
public static class CaptionBootstrap
{
    /// <summary>The statistic on all groups and its percentile interval over resamples.</summary>
    /// <typeparam name="T">The sample type.</typeparam>
    /// <param name="groups">Samples grouped by caption.</param>
    /// <param name="statistic">The statistic of a multiset of samples (NaN when undefined).</param>
    /// <param name="resamples">Resamples.</param>
    /// <param name="seed">Random seed.</param>
    /// <returns>The interval.</returns>
    public static Interval Estimate<T>(IReadOnlyList<IReadOnlyList<T>> groups, Func<IReadOnlyList<T>, double> statistic, int resamples, int seed = 20261204)
    {
        if (groups.Count == 0)
        {
            return Interval.None;
        }

        double value = statistic([.. groups.SelectMany(g => g)]);
        var rng = new Random(seed);
        var stats = new List<double>(resamples);
        for (int b = 0; b < resamples; b++)
        {
            var drawn = new List<T>();
            for (int i = 0; i < groups.Count; i++)
            {
                drawn.AddRange(groups[rng.Next(groups.Count)]);
            }

            double s = statistic(drawn);
            if (!double.IsNaN(s))
            {
                stats.Add(s);
            }
        }

        if (stats.Count == 0)
        {
            return new Interval(value, double.NaN, double.NaN);
        }

        stats.Sort();
        return new Interval(value, Quantile(stats, 0.025), Quantile(stats, 0.975));
    }

    private static double Quantile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }
}
