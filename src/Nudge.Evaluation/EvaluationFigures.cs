using Nudge.Evaluation.References;
using Nudge.Mitigation.Indices;
using ScottPlot;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Image = SixLabors.ImageSharp.Image;

namespace Nudge.Evaluation;

/// <summary>
/// The paper's figures in miniature: copy-score distributions against the siblings' band (Fig. 4), embedding PCA with
/// arrows (Fig. 5), and the image grid with a sibling column (Fig. 3).
/// </summary>
public static class EvaluationFigures
{
    /// <summary>Writes all three figures into <paramref name="folder"/>.</summary>
    /// <param name="folder">Output folder.</param>
    /// <param name="samples">All samples.</param>
    /// <param name="nudgeMethod">The nudge method to show.</param>
    /// <param name="memorized">The memorized set.</param>
    /// <param name="siblings">The reference set.</param>
    /// <param name="calibration">The judges' thresholds and sibling bands.</param>
    public static void Write(string folder, IReadOnlyList<EvaluationSample> samples, string nudgeMethod, IReadOnlyList<MemorizedImage> memorized,
        SiblingSet siblings, JudgeCalibration calibration)
    {
        var none = samples.Where(s => s.Method == "none" && s.Kind == CaseKind.Memorized).ToList();
        var nudged = samples.Where(s => s.Method == nudgeMethod && s.Kind == CaseKind.Memorized && s.Returned).ToList();
        Distribution(Path.Combine(folder, "fig4-copy-distribution.png"), none, nudged, nudgeMethod, calibration);
        Pca(Path.Combine(folder, "fig5-embedding-pca.png"), none, nudged, nudgeMethod);
        Grid(Path.Combine(folder, "fig3-grid.png"), none, nudged, memorized, siblings);
    }

    private static void Distribution(string path, List<EvaluationSample> none, List<EvaluationSample> nudged, string method, JudgeCalibration calibration)
    {
        var multi = new Multiplot();
        multi.AddPlots(2);
        var panels = new (string Title, Func<EvaluationSample, double> Score, double[] Band, double Threshold)[]
        {
            ("Copy-detector cosine to the training image", s => s.Scores!.Copy, calibration.SiblingCopyBand, calibration.CopyThreshold),
            ("Colour-normalised structural similarity", s => s.Scores!.Structure, calibration.SiblingStructureBand, calibration.StructureThreshold),
        };
        for (int p = 0; p < panels.Length; p++)
        {
            var (title, score, band, threshold) = panels[p];
            var plt = multi.GetPlot(p);
            var span = plt.Add.HorizontalSpan(band[0], band[1]);
            span.FillStyle.Color = Colors.Green.WithAlpha(0.15);
            span.LegendText = "siblings 5–95%";
            var line = plt.Add.VerticalLine(threshold);
            line.LinePattern = LinePattern.Dashed;
            line.LegendText = "threshold";
            foreach (var (set, label, color) in new[] { (none, "unmodified", Colors.Red), (nudged, method, Colors.Blue) })
            {
                var h = ScottPlot.Statistics.Histogram.WithBinCount(30, -0.4, 1.05);
                h.AddRange(set.Select(score));
                var bars = plt.Add.Histogram(h);
                plt.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color.WithAlpha(0.5) });
                foreach (var b in bars.Bars)
                {
                    b.FillColor = color.WithAlpha(0.5);
                    b.LineWidth = 0;
                }
            }

            plt.Title(title);
            plt.YLabel("outputs");
            plt.ShowLegend();
        }

        multi.SavePng(path, 900, 800);
    }

    private static void Pca(string path, List<EvaluationSample> none, List<EvaluationSample> nudged, string method)
    {
        var byKey = nudged.ToDictionary(s => (s.Prompt, s.Seed));
        var pairs = none.Where(s => byKey.ContainsKey((s.Prompt, s.Seed))).Select(s => (From: s.Embedding, To: byKey[(s.Prompt, s.Seed)].Embedding)).ToList();
        var all = pairs.SelectMany(p => new[] { p.From, p.To }).ToList();
        var (pc1, pc2, mean) = PrincipalComponents(all);
        double X(float[] v) => Project(v, pc1, mean);
        double Y(float[] v) => Project(v, pc2, mean);
        var plt = new Plot();
        var a = plt.Add.ScatterPoints(pairs.Select(p => X(p.From)).ToArray(), pairs.Select(p => Y(p.From)).ToArray(), Colors.Red);
        a.LegendText = "unmodified";
        var b = plt.Add.ScatterPoints(pairs.Select(p => X(p.To)).ToArray(), pairs.Select(p => Y(p.To)).ToArray(), Colors.Blue);
        b.LegendText = method;
        foreach (var (from, to) in pairs)
        {
            var arrow = plt.Add.Arrow(new Coordinates(X(from), Y(from)), new Coordinates(X(to), Y(to)));
            arrow.ArrowLineWidth = 1;
            arrow.ArrowFillColor = Colors.Gray.WithAlpha(0.6);
        }

        plt.Title("Image embeddings (PCA): unmodified → nudged");
        plt.XLabel("PC 1");
        plt.YLabel("PC 2");
        plt.ShowLegend();
        plt.SavePng(path, 800, 600);
    }

    private static void Grid(string path, List<EvaluationSample> none, List<EvaluationSample> nudged, IReadOnlyList<MemorizedImage> memorized, SiblingSet siblings)
    {
        const int scale = 3, size = 64 * scale, pad = 4, columns = 4;
        using var canvas = new SixLabors.ImageSharp.Image<Rgb24>((columns * size) + ((columns + 1) * pad), (memorized.Count * (size + pad)) + pad, new Rgb24(255, 255, 255));
        for (int row = 0; row < memorized.Count; row++)
        {
            var m = memorized[row];
            var u = none.FirstOrDefault(s => s.MemorizedId == m.Id && s.Seed == 0);
            var n = nudged.FirstOrDefault(s => s.MemorizedId == m.Id && s.Seed == 0);
            var sibling = siblings.ById.TryGetValue(m.Id, out var list) && list.Count > 0 ? list[0] : null;
            var cells = new[] { File.ReadAllBytes(m.Path), u?.Png, n?.Png, sibling is null ? null : Nudge.Engine.Imaging.ImageCodec.EncodePng(sibling.Rgb, sibling.Width, sibling.Height) };
            for (int col = 0; col < columns; col++)
            {
                if (cells[col] is not { Length: > 0 } bytes)
                {
                    continue;
                }

                using var img = Image.Load<Rgb24>(bytes);
                img.Mutate(x => x.Resize(size, size, KnownResamplers.NearestNeighbor));
                var at = new SixLabors.ImageSharp.Point(pad + (col * (size + pad)), pad + (row * (size + pad)));
                canvas.Mutate(x => x.DrawImage(img, at, 1f));
            }
        }

        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(canvas, path);
    }

    private static double Project(float[] v, double[] pc, double[] mean)
    {
        double s = 0;
        for (int i = 0; i < v.Length; i++)
        {
            s += (v[i] - mean[i]) * pc[i];
        }

        return s;
    }

    /// <summary>The top two principal directions by power iteration with deflation.</summary>
    private static (double[] Pc1, double[] Pc2, double[] Mean) PrincipalComponents(List<float[]> rows)
    {
        int d = rows[0].Length;
        var mean = new double[d];
        foreach (var r in rows)
        {
            for (int i = 0; i < d; i++)
            {
                mean[i] += r[i] / (double)rows.Count;
            }
        }

        double[] Power(double[]? deflate)
        {
            var v = Enumerable.Range(0, d).Select(i => Math.Sin(i + 1.0)).ToArray();
            for (int it = 0; it < 200; it++)
            {
                var next = new double[d];
                foreach (var r in rows)
                {
                    double dot = 0;
                    for (int i = 0; i < d; i++)
                    {
                        dot += (r[i] - mean[i]) * v[i];
                    }

                    for (int i = 0; i < d; i++)
                    {
                        next[i] += dot * (r[i] - mean[i]);
                    }
                }

                if (deflate is not null)
                {
                    double along = next.Zip(deflate, (a, b) => a * b).Sum();
                    for (int i = 0; i < d; i++)
                    {
                        next[i] -= along * deflate[i];
                    }
                }

                double norm = Math.Sqrt(next.Sum(x => x * x));
                if (norm == 0)
                {
                    break;
                }

                v = next.Select(x => x / norm).ToArray();
            }

            return v;
        }

        var pc1 = Power(null);
        return (pc1, Power(pc1), mean);
    }
}
