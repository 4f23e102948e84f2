using System.Globalization;
using System.Text;
using System.Text.Json;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>Everything one evaluation run measured, as written to <c>summary.json</c>.</summary>
/// <param name="Command">The command line.</param>
/// <param name="Model">Model name and UNet hash.</param>
/// <param name="Date">When it ran (UTC).</param>
/// <param name="Guidance">Guidance scale.</param>
/// <param name="Steps">Denoising steps.</param>
/// <param name="Seeds">Seeds per memorized caption.</param>
/// <param name="ReportCaptions">The report half.</param>
/// <param name="Policy">The policy of the "nudge" method.</param>
/// <param name="Judges">The judges on the reference set.</param>
/// <param name="Report">Per-method numbers on the report half.</param>
/// <param name="Tune">... on the tuning half.</param>
/// <param name="All">... on all memorized captions.</param>
/// <param name="Controls">Per-method numbers on controls and near-miss prompts.</param>
public sealed record EvaluationResult(string Command, string Model, DateTime Date, float Guidance, int Steps, int Seeds, IReadOnlyList<string> ReportCaptions,
    NudgePolicy Policy, JudgeCalibration Judges, IReadOnlyList<MethodSummary> Report, IReadOnlyList<MethodSummary> Tune, IReadOnlyList<MethodSummary> All,
    IReadOnlyList<ControlSummary> Controls);

/// <summary>Writes <c>report.md</c>, <c>summary.json</c> and <c>samples.jsonl</c>.</summary>
public static class EvaluationReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the three files into a folder.</summary>
    /// <param name="folder">The output folder.</param>
    /// <param name="result">The run's numbers.</param>
    /// <param name="samples">Every sample.</param>
    /// <param name="options">The run's settings.</param>
    /// <param name="figureMethod">The nudge method the figures show, or null.</param>
    public static void Write(string folder, EvaluationResult result, IReadOnlyList<EvaluationSample> samples, EvaluationOptions options, string? figureMethod)
    {
        File.WriteAllText(Path.Combine(folder, "report.md"), Markdown(result, options, figureMethod));
        File.WriteAllBytes(Path.Combine(folder, "summary.json"), JsonSerializer.SerializeToUtf8Bytes(result, JsonOptions));
        using var w = new StreamWriter(Path.Combine(folder, "samples.jsonl"));
        foreach (var s in samples)
        {
            w.WriteLine(JsonSerializer.Serialize(new
            {
                s.Method, Kind = s.Kind.ToString().ToLowerInvariant(), s.Split, Caption = s.Prompt, s.Seed, Judged_Against = s.MemorizedId,
                s.Returned, Outcome = s.Outcome?.ToString().ToLowerInvariant(), s.Rounds, s.Flagged, s.Changed,
                Milliseconds = Math.Round(s.Milliseconds, 1), Scores = s.Scores,
                Png_Sha256 = s.Png.Length == 0 ? null : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(s.Png)),
            }, JsonOptions));
        }
    }

    /// <summary>snake_case, NaN as a string.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(NudgePolicy.JsonOptions)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    private static string Markdown(EvaluationResult r, EvaluationOptions o, string? figureMethod)
    {
        var sb = new StringBuilder();
        var j = r.Judges;
        sb.AppendLine("# Nudge evaluation on the tiny model").AppendLine();
        sb.AppendLine(Inv, $"Produced by `{r.Command}` on {r.Model}, {r.Date:yyyy-MM-dd}. {o.Steps} PNDM steps, guidance {o.Guidance}, seeds 0–{o.Seeds - 1} per memorized caption.").AppendLine();
        sb.AppendLine("## Judges (none of them is what the nudge steers by)").AppendLine();
        sb.AppendLine(Inv, $"- **Memorized** = copy-detector cosine with the caption's training image ≥ **{j.CopyThreshold:F2}** (its calibrated threshold; {Pct(j.CopySiblingRate)} of the {j.Siblings} siblings reach it). The filter uses the same detector; the nudge never sees it.");
        sb.AppendLine(Inv, $"- **Second measure** (never used by the pipeline) = colour-normalised structural similarity ≥ **{j.StructureThreshold:F2}** (set on the siblings: {Pct(j.StructureSiblingRate)} reach it).");
        sb.AppendLine(Inv, $"- **Embedder cosine** (the old measure) ≥ **{j.EmbedderThreshold:F2}** (set on the siblings: {Pct(j.EmbedderSiblingRate)} reach it).");
        sb.AppendLine(Inv, $"- **Relevance** = the pixel oracle finds the caption's subject colour, and its shape (siblings: colour {Pct(j.SiblingColour)}, colour and shape {Pct(j.SiblingColourAndShape)}).");
        sb.AppendLine(Inv, $"- Siblings (same subject, new composition): copy cosine median {j.SiblingMedianCopy:F2}, 5–95% band {j.SiblingCopyBand[0]:F2}–{j.SiblingCopyBand[1]:F2}; structure band {j.SiblingStructureBand[0]:F2}–{j.SiblingStructureBand[1]:F2}.").AppendLine();
        sb.AppendLine(Inv, $"Split: tuned on {12 - r.ReportCaptions.Count} memorized captions, reported on the other {r.ReportCaptions.Count} ({string.Join(", ", r.ReportCaptions)}). Intervals are bootstrap 95% over captions ({o.BootstrapResamples} resamples).").AppendLine();

        sb.AppendLine("## Report half (headline)").AppendLine();
        Table(sb, r.Report);
        sb.AppendLine("## Tuning half").AppendLine();
        Table(sb, r.Tune);
        sb.AppendLine("## Controls and near-miss prompts").AppendLine();
        sb.AppendLine("| method | grammar controls changed | controls' subject right | clean cost | near-miss flagged (unmodified) | near-miss changed | near-miss copies after (copy / structure) | near-miss subject right |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var c in r.Controls)
        {
            sb.AppendLine(Inv, $"| {c.Method} | {c.ControlChanged}/{c.ControlCount} | {c.ControlColourAndShape}/{c.ControlCount} | {c.CleanCost:F2}× | {c.NearMissFlagged}/{c.NearMissCount} | {c.NearMissChanged}/{c.NearMissCount} | {c.NearMissCopies} / {c.NearMissStructuralCopies} | {c.NearMissColourAndShape}/{c.NearMissCount} |");
        }

        sb.AppendLine();
        sb.AppendLine("Columns: *copy*, *structure* and *embedder* are the shares of returned memorized-caption outputs each judge calls a copy; "
            + "*subject* is the oracle's colour / colour-and-shape rate; *rel.* divides it by the unmodified outputs' rate on the same prompts and seeds; "
            + "*controls' subject right* is how often the oracle finds an ordinary prompt's subject in its colour and shape: what this model draws when nothing is memorized; "
            + "*escaped* counts flagged outputs returned and called a copy by neither the copy detector nor the structural measure; "
            + "*colour-matched RMSE* is the pixel distance to the training image left after a per-channel colour match; costs are median wall time relative "
            + "to the unmodified generation of the same outputs (noisy: `nudge bench nudge` measures them side by side).").AppendLine();

        sb.AppendLine("## Targets (report half)").AppendLine();
        var none = r.Report.FirstOrDefault(s => s.Method == "none");
        foreach (var s in r.Report.Where(s => s.Method.StartsWith("nudge", StringComparison.Ordinal)))
        {
            var c = r.Controls.First(x => x.Method == s.Method);
            sb.AppendLine(Inv, $"**{s.Method}**: memorized by copy detector {Pct(s.CopyShare.Value)} and by structure {Pct(s.StructureShare.Value)} (target ≤ 5% each; unmodified {Pct(none?.CopyShare.Value ?? double.NaN)} / {Pct(none?.StructureShare.Value ?? double.NaN)}) — "
                + $"withheld {s.Withheld} (target 0) — subject colour and shape {Pct(s.RelativeColourAndShape.Value)} of unmodified (target ≥ 90%; colour alone {Pct(s.RelativeColour.Value)}) — "
                + $"grammar controls changed {c.ControlChanged} (target 0) — triggered cost {s.TriggeredCost:F2}× (target ≤ 2×) — clean cost {c.CleanCost:F2}× (target ≤ 1.05×).").AppendLine();
        }

        sb.AppendLine("## Files").AppendLine();
        sb.AppendLine("- `samples.jsonl`: one line per output: caption, seed, method, split, outcome, rounds, every judge's score, time.");
        sb.AppendLine("- `summary.json`: the tables above with their intervals, the thresholds and the policy.");
        if (figureMethod is not null)
        {
            sb.AppendLine(Inv, $"- `fig3-grid.png`: training image | unmodified | {figureMethod} | a sibling, one row per memorized caption, seed 0 (the paper's Fig. 3).");
            sb.AppendLine(Inv, $"- `fig4-copy-distribution.png`: copy-detector cosine and structural similarity to the training image, unmodified vs {figureMethod}, with the siblings' 5–95% band (the paper's Fig. 4).");
            sb.AppendLine("- `fig5-embedding-pca.png`: 2-D PCA of image embeddings, arrows from each unmodified output to its nudged one (Fig. 5).");
        }

        return sb.ToString();
    }

    private static void Table(StringBuilder sb, IReadOnlyList<MethodSummary> rows)
    {
        sb.AppendLine("| method | memorized: copy | structure | embedder | withheld | subject colour / colour+shape | rel. colour+shape | escaped / flagged | median copy | colour-matched RMSE | rounds | triggered cost |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in rows)
        {
            sb.AppendLine(Inv, $"| {s.Method} | {Ci(s.CopyShare)} | {Ci(s.StructureShare)} | {Pct(s.EmbedderShare.Value)} | {s.Withheld}/{s.Outputs} | {Pct(s.OracleColour.Value)} / {Pct(s.OracleColourAndShape.Value)} | {Ci(s.RelativeColourAndShape)} | {s.FlaggedEscaped}/{s.Flagged} | {Num(s.MedianCopy)} | {Num(s.MedianColourRmse, "F4")} | {Num(s.MeanRounds, "F2")} | {Num(s.TriggeredCost)}× |");
        }

        sb.AppendLine();
    }

    private static string Ci(Interval i) => double.IsNaN(i.Value) ? "n/a" : string.Create(Inv, $"{100 * i.Value:F1}% [{100 * i.Low:F0}, {100 * i.High:F0}]");

    private static string Num(double v, string format = "F2") => double.IsNaN(v) ? "n/a" : v.ToString(format, Inv);

    private static string Pct(double v) => double.IsNaN(v) ? "n/a" : string.Create(Inv, $"{100 * v:F1}%");
}
