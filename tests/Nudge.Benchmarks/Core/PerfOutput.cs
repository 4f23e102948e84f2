using System.Globalization;
using System.Text;
using ScottPlot;

namespace Nudge.Benchmarks.Core;

/// <summary>
/// Writes a <see cref="ComparisonResult"/>: one CSV per table (<c>{name}-{table}.csv</c>), one PNG per chart,
/// <c>{name}.md</c> with what was printed, and prints markdown tables, ratio lines and notes.
/// </summary>
public static class PerfOutput
{
    /// <summary>Writes the files and prints the summary.</summary>
    /// <param name="result">What was measured.</param>
    /// <param name="folder">The output folder (created when missing).</param>
    /// <param name="output">Where the markdown summary goes.</param>
    /// <returns>The files written.</returns>
    public static IReadOnlyList<string> Write(ComparisonResult result, string folder, TextWriter output)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        foreach (ResultTable table in result.Tables)
        {
            string path = Path.Combine(folder, $"{result.Name}-{table.Name}.csv");
            File.WriteAllText(path, Csv(table));
            written.Add(path);
        }

        foreach (PerfChart chart in result.Charts)
        {
            string path = Path.Combine(folder, chart.FileName + ".png");
            Render(chart, path);
            written.Add(path);
        }

        string markdown = Markdown(result, written.Select(p => Path.GetFileName(p)).ToList());
        string mdPath = Path.Combine(folder, result.Name + ".md");
        File.WriteAllText(mdPath, markdown);
        output.Write(markdown);
        output.WriteLine($"(written: {string.Join(", ", written.Append(mdPath).Select(Path.GetFileName))} in {folder})");
        output.WriteLine();
        return written;
    }

    /// <summary>The table as CSV.</summary>
    /// <param name="table">The table.</param>
    /// <returns>CSV text with a header line.</returns>
    public static string Csv(ResultTable table)
    {
        var sb = new StringBuilder();
        sb.AppendJoin(',', table.Columns.Select(Format.Csv)).Append('\n');
        foreach (object?[] row in table.Rows)
        {
            sb.AppendJoin(',', row.Select(Format.Csv)).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>The table as a markdown table.</summary>
    /// <param name="table">The table.</param>
    /// <returns>Markdown text.</returns>
    public static string MarkdownTable(ResultTable table)
    {
        var sb = new StringBuilder();
        sb.Append("| ").AppendJoin(" | ", table.Columns).Append(" |\n");
        sb.Append('|').AppendJoin('|', table.Columns.Select(_ => "---")).Append("|\n");
        foreach (object?[] row in table.Rows)
        {
            sb.Append("| ").AppendJoin(" | ", row.Select(Format.Cell)).Append(" |\n");
        }

        return sb.ToString();
    }

    private static string Markdown(ComparisonResult result, IReadOnlyList<string> files)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## {result.Title} (`{result.Name}`)\n\n");
        foreach (ResultTable table in result.Tables.Where(t => t.Print))
        {
            sb.Append(MarkdownTable(table)).Append('\n');
        }

        if (result.Verdicts.Count > 0)
        {
            foreach (Verdict verdict in result.Verdicts)
            {
                sb.Append("- ").Append(verdict).Append('\n');
            }

            sb.Append('\n');
        }

        foreach (string note in result.Notes)
        {
            sb.Append("> ").Append(note).Append('\n');
        }

        sb.Append(CultureInfo.InvariantCulture, $"> {result.Name}: {result.Elapsed.TotalSeconds:F0} s wall; files: {string.Join(", ", files)}\n\n");
        return sb.ToString();
    }

    /// <summary>Renders a chart to PNG.</summary>
    /// <param name="chart">The chart.</param>
    /// <param name="path">The PNG path.</param>
    public static void Render(PerfChart chart, string path)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        bool logX = chart.LogX && chart.Kind == ChartKind.Lines;
        double Tx(double x) => logX ? Math.Log10(x) : x;
        double Ty(double y) => chart.LogY ? Math.Log10(y) : y;
        if (chart.Kind == ChartKind.Lines)
        {
            for (int s = 0; s < chart.Series.Count; s++)
            {
                ChartSeries series = chart.Series[s];
                var scatter = plt.Add.Scatter(series.X.Select(Tx).ToArray(), series.Y.Select(Ty).ToArray(), palette.GetColor(series.ColorIndex ?? s));
                scatter.LegendText = series.Label;
                scatter.LineWidth = 2;
                if (series.Dashed)
                {
                    scatter.LinePattern = LinePattern.Dashed;
                    scatter.MarkerSize = 0;
                }
                else
                {
                    scatter.MarkerSize = 7;
                }
            }
        }
        else
        {
            int groups = chart.Series.Count;
            double width = 0.8 / Math.Max(1, groups);
            var bars = new List<Bar>();
            for (int s = 0; s < groups; s++)
            {
                ChartSeries series = chart.Series[s];
                Color color = palette.GetColor(series.ColorIndex ?? s);
                for (int i = 0; i < series.X.Length; i++)
                {
                    double y = series.Y[i];
                    if (double.IsNaN(y))
                    {
                        continue;
                    }

                    double position = series.X[i] - 0.4 + (width * (s + 0.5));
                    bars.Add(new Bar
                    {
                        Position = position,
                        Value = Ty(y),
                        ValueBase = chart.LogY ? Math.Floor(chart.Series.SelectMany(c => c.Y).Where(v => v > 0).Select(Math.Log10).DefaultIfEmpty(0).Min()) : 0,
                        Size = width * 0.95,
                        FillColor = color,
                        LineWidth = 0,
                    });
                }

                plt.Legend.ManualItems.Add(new LegendItem { LabelText = series.Label, FillColor = color });
            }

            plt.Add.Bars(bars);
            plt.Axes.Margins(bottom: 0);
            var ticks = chart.Categories.Select((label, i) => new Tick(i, label)).ToArray();
            plt.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        }

        if (logX)
        {
            plt.Axes.Bottom.TickGenerator = LogTicks();
        }

        if (chart.LogY)
        {
            plt.Axes.Left.TickGenerator = LogTicks();
        }

        plt.Title(chart.Title);
        plt.XLabel(chart.XLabel + (logX ? " (log scale)" : ""));
        plt.YLabel(chart.YLabel + (chart.LogY ? " (log scale)" : ""));
        plt.ShowLegend(Alignment.UpperLeft);
        plt.SavePng(path, 900, 560);
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Math.Pow(10, v) is var x && x >= 1 ? x.ToString("#,0", System.Globalization.CultureInfo.InvariantCulture) : Format.Number(x),
    };
}
