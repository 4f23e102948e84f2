namespace Nudge.Benchmarks.Core;

/// <summary>How a chart draws its series.</summary>
public enum ChartKind
{
    /// <summary>Points joined by lines, one per series (x is numeric).</summary>
    Lines,

    /// <summary>Grouped bars: x values are indices into <see cref="PerfChart.Categories"/>.</summary>
    Bars,
}

/// <summary>A chart to be written as <c>{FileName}.png</c> by <see cref="PerfOutput"/>.</summary>
/// <param name="FileName">File name without extension, e.g. <c>index-d768</c>.</param>
/// <param name="Title">Title.</param>
/// <param name="XLabel">X axis label.</param>
/// <param name="YLabel">Y axis label.</param>
public sealed record PerfChart(string FileName, string Title, string XLabel, string YLabel)
{
    /// <summary>Lines or grouped bars.</summary>
    public ChartKind Kind { get; init; } = ChartKind.Lines;

    /// <summary>Logarithmic x axis (lines only).</summary>
    public bool LogX { get; init; }

    /// <summary>Logarithmic y axis.</summary>
    public bool LogY { get; init; }

    /// <summary>Category labels for bar charts.</summary>
    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>The series.</summary>
    public List<ChartSeries> Series { get; } = [];
}

/// <summary>One series of a chart.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">X values (bar charts: category indices).</param>
/// <param name="Y">Y values.</param>
public sealed record ChartSeries(string Label, double[] X, double[] Y)
{
    /// <summary>Dashed line without markers (for fitted lines).</summary>
    public bool Dashed { get; init; }

    /// <summary>Palette index of the colour; null: the series' own position (a fit takes its data's colour).</summary>
    public int? ColorIndex { get; init; }
}
