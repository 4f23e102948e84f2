using Nudge.Evaluation.Judges;

namespace Nudge.Evaluation;

/// <summary>Turns samples into per-method numbers, with bootstrap intervals over captions.</summary>
public static class EvaluationSummary
{
    /// <summary>Per-method summaries of the memorized captions in a subset.</summary>
    /// <param name="samples">All samples.</param>
    /// <param name="judges">The judges (thresholds).</param>
    /// <param name="subset">"report", "tune" or "all".</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <returns>One summary per method that ran, in method order.</returns>
    public static IReadOnlyList<MethodSummary> Memorized(IReadOnlyList<EvaluationSample> samples, EvaluationJudges judges, string subset, int resamples)
    {
        bool InSubset(EvaluationSample s) => s.Kind == CaseKind.Memorized && (subset == "all" || s.Split == subset);
        var none = samples.Where(s => s.Method == "none" && InSubset(s)).ToDictionary(s => (s.Prompt, s.Seed));
        var result = new List<MethodSummary>();
        foreach (var method in EvaluationRunner.Methods.Where(m => samples.Any(s => s.Method == m)))
        {
            var mine = samples.Where(s => s.Method == method && InSubset(s)).ToList();
            if (mine.Count == 0)
            {
                continue;
            }

            var pairs = mine.Select(s => (Mine: s, None: none[(s.Prompt, s.Seed)])).ToList();
            var groups = pairs.GroupBy(p => p.Mine.Prompt).Select(g => (IReadOnlyList<(EvaluationSample Mine, EvaluationSample None)>)[.. g]).ToList();
            // Shares are over returned outputs (a withheld output is neither a copy nor relevant); NaN when none came back.
            Interval Share(Func<JudgeScores, bool> test) =>
                CaptionBootstrap.Estimate(groups, ps => Rate(ps.Select(p => p.Mine).Where(m => m.Returned), test), resamples);
            Interval Relative(Func<JudgeScores, bool?> oracle) =>
                CaptionBootstrap.Estimate(groups, ps => Rate(ps.Where(p => p.Mine.Returned).Select(p => p.Mine), s => oracle(s) == true)
                    / Rate(ps.Where(p => p.Mine.Returned).Select(p => p.None), s => oracle(s) == true), resamples);

            var returned = mine.Where(s => s.Scores is not null).Select(s => s.Scores!).ToList();
            var flagged = mine.Where(s => s.Flagged).ToList();
            result.Add(new MethodSummary(
                method, subset, mine.Count, mine.Count(s => !s.Returned),
                Share(judges.IsCopy), Share(judges.IsStructuralCopy), Share(judges.IsEmbedderCopy),
                Share(s => s.OracleColour == true), Share(s => s.OracleShape == true),
                Relative(s => s.OracleShape), Relative(s => s.OracleColour),
                Median(returned.Select(s => (double)s.Copy)), Percentile(returned.Select(s => (double)s.Copy), 0.95),
                Median(returned.Select(s => (double)s.Structure)), Median(returned.Select(s => (double)s.ColourRmse)),
                flagged.Count, flagged.Count(s => s.Scores is { } sc && !judges.IsCopy(sc) && !judges.IsStructuralCopy(sc)),
                flagged.Count == 0 ? double.NaN : flagged.Average(s => s.Rounds),
                Cost(flagged, samples)));
        }

        return result;
    }

    /// <summary>Per-method numbers on grammar controls and near-miss prompts.</summary>
    /// <param name="samples">All samples.</param>
    /// <param name="judges">The judges.</param>
    /// <returns>One summary per method that ran.</returns>
    public static IReadOnlyList<ControlSummary> Controls(IReadOnlyList<EvaluationSample> samples, EvaluationJudges judges)
    {
        var result = new List<ControlSummary>();
        foreach (var method in EvaluationRunner.Methods.Where(m => samples.Any(s => s.Method == m)))
        {
            var controls = samples.Where(s => s.Method == method && s.Kind == CaseKind.Control).ToList();
            var near = samples.Where(s => s.Method == method && s.Kind == CaseKind.NearMiss).ToList();
            result.Add(new ControlSummary(method, controls.Count, controls.Count(s => s.Changed), controls.Count(s => s.Scores?.OracleShape == true), Cost(controls, samples),
                near.Count, near.Count(s => s.Flagged), near.Count(s => s.Changed),
                near.Count(s => s.Scores is { } sc && judges.IsCopy(sc)), near.Count(s => s.Scores is { } sc && judges.IsStructuralCopy(sc)),
                near.Count(s => s.Scores?.OracleShape == true)));
        }

        return result;
    }

    /// <summary>The judges on the reference set.</summary>
    /// <param name="judges">The judges.</param>
    /// <returns>Thresholds, sibling rates and bands.</returns>
    public static JudgeCalibration Calibration(EvaluationJudges judges)
    {
        var s = judges.Siblings;
        return new JudgeCalibration(s.Count,
            judges.CopyThreshold, Rate(s, judges.IsCopy), judges.StructureThreshold, Rate(s, judges.IsStructuralCopy),
            judges.EmbedderThreshold, Rate(s, judges.IsEmbedderCopy),
            Rate(s, x => x.OracleColour == true), Rate(s, x => x.OracleShape == true), Median(s.Select(x => (double)x.Copy)),
            [Percentile(s.Select(x => (double)x.Copy), 0.05), Percentile(s.Select(x => (double)x.Copy), 0.95)],
            [Percentile(s.Select(x => (double)x.Structure), 0.05), Percentile(s.Select(x => (double)x.Structure), 0.95)]);
    }

    private static double Rate(IEnumerable<EvaluationSample> samples, Func<JudgeScores, bool> test)
    {
        var list = samples.ToList();
        return list.Count == 0 ? double.NaN : list.Count(s => s.Scores is { } sc && test(sc)) / (double)list.Count;
    }

    private static double Rate(IReadOnlyList<JudgeScores> scores, Func<JudgeScores, bool> test) =>
        scores.Count == 0 ? double.NaN : scores.Count(test) / (double)scores.Count;

    // Median time of the subset relative to the median time of the unmodified generation of the same prompts and seeds.
    private static double Cost(IReadOnlyList<EvaluationSample> subset, IReadOnlyList<EvaluationSample> all)
    {
        if (subset.Count == 0)
        {
            return double.NaN;
        }

        var none = all.Where(s => s.Method == "none").ToDictionary(s => (s.Prompt, s.Seed), s => s.Milliseconds);
        return Median(subset.Select(s => s.Milliseconds)) / Median(subset.Select(s => none[(s.Prompt, s.Seed)]));
    }

    /// <summary>The median (NaN when empty).</summary>
    /// <param name="values">Values.</param>
    /// <returns>The median.</returns>
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>A linear-interpolation percentile (NaN when empty).</summary>
    /// <param name="values">Values.</param>
    /// <param name="q">Quantile in [0, 1].</param>
    /// <returns>The percentile.</returns>
    public static double Percentile(IEnumerable<double> values, double q)
    {
        var a = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (a.Length == 0)
        {
            return double.NaN;
        }

        double pos = q * (a.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return a[lo] + ((a[hi] - a[lo]) * (pos - lo));
    }
}
