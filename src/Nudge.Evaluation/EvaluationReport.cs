using System.Globalization;
using System.Text;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>Summarizes the samples per method and writes report.md with its tables.</summary>
public static class EvaluationReport
{
    /// <summary>Per-method numbers.</summary>
    /// <param name="samples">All samples.</param>
    /// <param name="threshold">The memorization threshold (cosine).</param>
    /// <returns>One summary per method, in report order.</returns>
    public static IReadOnlyList<MethodSummary> Summarize(IReadOnlyList<EvaluationSample> samples, float threshold)
    {
        var none = samples.Where(s => s.Method == "none").ToDictionary(s => (s.Prompt, s.Seed));
        var baseRelevance = none.Values.Where(s => s.MemorizedId is not null).Average(s => s.Relevance);
        var baseMedian = Median(none.Values.Select(s => s.Milliseconds));
        var result = new List<MethodSummary>();
        foreach (var method in EvaluationRunner.Methods.Where(m => samples.Any(s => s.Method == m)))
        {
            var all = samples.Where(s => s.Method == method).ToList();
            var mem = all.Where(s => s.MemorizedId is not null).ToList();
            var returned = mem.Where(s => s.Returned).ToList();
            var control = all.Where(s => s.MemorizedId is null).ToList();
            var flagged = mem.Where(s => s.Flagged).ToList();
            var clean = all.Where(s => !s.Flagged).ToList();
            double share = returned.Count == 0 ? 0 : returned.Count(s => s.Cosine >= threshold) / (double)returned.Count;
            var cos = returned.Select(s => (double)s.Cosine).Order().ToArray();
            var rmse = returned.Select(s => (double)s.Rmse).Order().ToArray();
            double relevance = returned.Count == 0 ? double.NaN : returned.Average(s => s.Relevance);
            double resolved = flagged.Count == 0 ? double.NaN : flagged.Count(s => s.Returned && s.Cosine < threshold) / (double)flagged.Count;
            result.Add(new MethodSummary(
                method, mem.Count, all.Count(s => !s.Returned), share,
                cos.Length == 0 ? double.NaN : cos[^1], Percentile(cos, 0.95),
                rmse.Length == 0 ? double.NaN : rmse[0], Percentile(rmse, 0.05),
                relevance, relevance / baseRelevance,
                Median(all.Select(s => s.Milliseconds)) / baseMedian,
                control.Count(s => !s.Png.AsSpan().SequenceEqual(none[(s.Prompt, s.Seed)].Png)), control.Count,
                resolved,
                Ratio(flagged, none), Ratio(clean, none)));
        }

        return result;
    }

    /// <summary>Writes report.md.</summary>
    /// <param name="path">The file.</param>
    /// <param name="summaries">Per-method numbers.</param>
    /// <param name="samples">All samples.</param>
    /// <param name="options">The settings used.</param>
    /// <param name="command">The command that produced it.</param>
    /// <param name="model">The model's name and hashes line.</param>
    public static void Write(string path, IReadOnlyList<MethodSummary> summaries, IReadOnlyList<EvaluationSample> samples, EvaluationOptions options, string command, string model)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        var none = summaries.Single(s => s.Method == "none");
        sb.AppendLine("# Nudge evaluation: the paper's experiment on the tiny model").AppendLine();
        sb.AppendLine(inv, $"Produced by `{command}` on {model}, {DateTime.UtcNow:yyyy-MM-dd}.").AppendLine();
        int memCount = none.MemorizedOutputs;
        sb.Append(inv, $"{memCount / options.Seeds} memorized captions × {options.Seeds} seeds = {memCount} outputs, plus {none.ControlCount} control outputs ({options.ControlPrompts.Count} prompts × {options.ControlSeeds} seeds). ");
        sb.AppendLine(inv, $"{options.Steps} PNDM steps, guidance {options.Guidance}. An output counts as memorized when its embedder cosine with the memorized training image is ≥ {options.Policy.UndesiredThreshold} (the undesired filter's threshold). Every method sees the same prompts and seeds.").AppendLine();
        sb.AppendLine("| method | memorized share | withheld | max cos | p95 cos | min RMSE | p5 RMSE | relevance (rel.) | median time (rel.) | control changed | flagged → resolved | triggered cost | clean cost |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in summaries)
        {
            // A method that returned no memorized-caption output (refusal, when everything is flagged) has no
            // cosine, RMSE or relevance to show: say so instead of printing NaN.
            string relevance = double.IsNaN(s.Relevance) ? "n/a (none returned)" : string.Create(inv, $"{s.Relevance:F3} ({100 * s.RelativeRelevance:F1}%)");
            sb.AppendLine(inv, $"| {s.Method} | {100 * s.MemorizedShare:F1}% | {s.Withheld} | {Num(s.MaxCosine, "F3")} | {Num(s.P95Cosine, "F3")} | {Num(s.MinRmse, "F4")} | {Num(s.P5Rmse, "F4")} | {relevance} | {s.RelativeMedianTime:F2}× | {s.ControlChanged}/{s.ControlCount} | {Pct(s.FlaggedResolved)} | {s.TriggeredRelativeTime:F2}× | {s.CleanRelativeTime:F2}× |");
        }

        sb.AppendLine();
        sb.AppendLine("Columns: *memorized share* is over returned memorized-caption outputs; *withheld* counts outputs a method refused to return (refusal's writer's block); "
            + "*relevance* is the mean image–prompt cosine of returned memorized-caption outputs, relative to no mitigation; *median time* is over all outputs, relative to no mitigation; "
            + "*flagged → resolved* is the share of outputs the undesired filter flagged unmodified that the method returned below the threshold; *triggered cost* and *clean cost* are "
            + "median time relative to no mitigation for the same flagged and unflagged outputs. Augmentation changes every prompt, so it changes control outputs by design.").AppendLine();

        sb.AppendLine("## Targets").AppendLine();
        foreach (var s in summaries.Where(s => s.Method.StartsWith("nudge", StringComparison.Ordinal)))
        {
            var flaggedRounds = samples.Where(x => x.Method == s.Method && x.Flagged).ToList();
            int within3 = flaggedRounds.Count(x => x.Outcome == ImageOutcome.Nudged && x.Rounds <= 3);
            sb.AppendLine(inv, $"**{s.Method}**: flagged outputs ending `nudged` within 3 rounds: {within3}/{flaggedRounds.Count} ({Pct(flaggedRounds.Count == 0 ? double.NaN : within3 / (double)flaggedRounds.Count)}; target ≥ 95%) — "
                + $"relevance {100 * s.RelativeRelevance:F1}% of unmodified (target ≥ 90%) — control outputs changed {s.ControlChanged} (target 0) — "
                + $"clean-image cost {s.CleanRelativeTime:F2}× (filter overhead {100 * (s.CleanRelativeTime - 1):F1}%; target ≤ 5%) — triggered cost {s.TriggeredRelativeTime:F2}× (target ≤ 2×).").AppendLine();
        }

        var best = summaries.Where(s => s.Method.StartsWith("nudge", StringComparison.Ordinal)).OrderBy(s => s.MemorizedShare).ThenByDescending(s => s.RelativeRelevance).FirstOrDefault();
        var baselines = best is null ? [] : summaries.Where(s => s.Method is "refusal" or "reseed" or "augment").ToList();
        sb.AppendLine("## Against the baselines").AppendLine();
        foreach (var b in baselines)
        {
            ArgumentNullException.ThrowIfNull(best);
            if (double.IsNaN(b.Relevance))
            {
                int returned = memCount - samples.Count(x => x.Method == best.Method && x.MemorizedId is not null && !x.Returned);
                sb.AppendLine(inv, $"- {best.Method} vs {b.Method}: {b.Method} withheld all {memCount} memorized-caption outputs (writer's block; no relevance to compare); "
                    + $"{best.Method} returned {returned} of them, {100 * best.MemorizedShare:F1}% still memorized.");
                continue;
            }

            bool betterShare = best.MemorizedShare < b.MemorizedShare || (best.MemorizedShare == b.MemorizedShare && best.Withheld < b.Withheld);
            bool relevanceOk = double.IsNaN(b.RelativeRelevance) || best.RelativeRelevance >= b.RelativeRelevance - 1e-9;
            sb.Append(inv, $"- {best.Method} vs {b.Method}: memorized share {100 * best.MemorizedShare:F1}% vs {100 * b.MemorizedShare:F1}% (withheld {best.Withheld} vs {b.Withheld}), ");
            sb.Append(inv, $"relevance {100 * best.RelativeRelevance:F1}% vs {100 * b.RelativeRelevance:F1}% — ");
            sb.AppendLine(betterShare && relevanceOk ? "Nudge is ahead." : betterShare ? "Nudge has the lower memorized share but lower relevance." : "Nudge is **not** ahead here.");
        }

        sb.AppendLine().AppendLine("## Figures").AppendLine();
        sb.AppendLine("- `fig4-l2-distribution.png`: pixel RMSE to the memorized image, unmodified vs nudged (the paper's Fig. 4).");
        sb.AppendLine("- `fig5-embedding-pca.png`: 2-D PCA of image embeddings, arrows from each unmodified to its nudged output (Fig. 5).");
        sb.AppendLine("- `fig3-grid.png`: memorized image | unmodified | nudged, one row per memorized caption, seed 0 (Fig. 3).");
        File.WriteAllText(path, sb.ToString());
    }

    private static string Num(double v, string format) => double.IsNaN(v) ? "n/a" : v.ToString(format, CultureInfo.InvariantCulture);

    private static string Pct(double v) => double.IsNaN(v) ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{100 * v:F1}%");

    private static double Ratio(IReadOnlyList<EvaluationSample> subset, Dictionary<(string, long), EvaluationSample> none)
    {
        if (subset.Count == 0)
        {
            return double.NaN;
        }

        return Median(subset.Select(s => s.Milliseconds)) / Median(subset.Select(s => none[(s.Prompt, s.Seed)].Milliseconds));
    }

    internal static double Median(IEnumerable<double> values)
    {
        var a = values.Order().ToArray();
        return a.Length == 0 ? double.NaN : a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2;
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : sorted[(int)Math.Min(sorted.Length - 1, Math.Round(p * (sorted.Length - 1)))];
}
