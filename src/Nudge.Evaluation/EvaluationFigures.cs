using Nudge.Mitigation.Indices;
using ScottPlot;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using Image = SixLabors.ImageSharp.Image;

namespace Nudge.Evaluation;

/// <summary>The paper's figures in miniature: L2 distributions (Fig. 4), embedding PCA with arrows (Fig. 5), image grid (Fig. 3).</summary>
public static class EvaluationFigures
{
    /// <summary>Writes all three figures into <paramref name="folder"/>.</summary>
    /// <param name="folder">Output folder.</param>
    /// <param name="samples">All samples.</param>
    /// <param name="nudgeMethod">The nudge method to show.</param>
    /// <param name="memorized">The memorized set.</param>
    public static void Write(string folder, IReadOnlyList<EvaluationSample> samples, string nudgeMethod, IReadOnlyList<MemorizedImage> memorized)
    {
        var none = samples.Where(s => s.Method == "none" && s.MemorizedId is not null).ToList();
        var nudged = samples.Where(s => s.Method == nudgeMethod && s.MemorizedId is not null && s.Returned).ToList();
        L2Distribution(Path.Combine(folder, "fig4-l2-distribution.png"), none, nudged, nudgeMethod);
        Pca(Path.Combine(folder, "fig5-embedding-pca.png"), none, nudged, nudgeMethod);
        Grid(Path.Combine(folder, "fig3-grid.png"), none, nudged, memorized);
    }

    private static void L2Distribution(string path, List<EvaluationSample> none, List<EvaluationSample> nudged, string method)
    {
        var plt = new Plot();
        double max = Math.Max(none.Concat(nudged).Max(s => s.Rmse), 1e-3);
        foreach (var (set, label, color) in new[] { (none, "unmodified", Colors.Red), (nudged, method, Colors.Blue) })
        {
            var h = ScottPlot.Statistics.Histogram.WithBinCount(20, 0, max * 1.05);
            h.AddRange(set.Select(s => (double)s.Rmse));
            var bars = plt.Add.Histogram(h);
            plt.Legend.ManualItems.Add(new LegendItem { LabelText = label, FillColor = color.WithAlpha(0.5) });
            foreach (var b in bars.Bars)
            {
                b.FillColor = color.WithAlpha(0.5);
                b.LineWidth = 0;
            }
        }

        plt.Title("Pixel RMSE to the memorized training image");
        plt.XLabel("RMSE (0–1 scale)");
        plt.YLabel("outputs");
        plt.ShowLegend();
        plt.SavePng(path, 800, 500);
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

    private static void Grid(string path, List<EvaluationSample> none, List<EvaluationSample> nudged, IReadOnlyList<MemorizedImage> memorized)
    {
        const int scale = 3, size = 64 * scale, pad = 4;
        using var canvas = new SixLabors.ImageSharp.Image<Rgb24>((3 * size) + (4 * pad), (memorized.Count * (size + pad)) + pad, new Rgb24(255, 255, 255));
        for (int row = 0; row < memorized.Count; row++)
        {
            var m = memorized[row];
            var u = none.FirstOrDefault(s => s.MemorizedId == m.Id && s.Seed == 0);
            var n = nudged.FirstOrDefault(s => s.MemorizedId == m.Id && s.Seed == 0);
            var cells = new[] { File.ReadAllBytes(m.Path), u?.Png, n?.Png };
            for (int col = 0; col < 3; col++)
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
