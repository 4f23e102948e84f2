using System.Globalization;

namespace Nudge.Benchmarks.Core;

/// <summary>What a comparison measured: tables (written as CSV and printed as markdown), charts (PNG), ratios with goals, notes.</summary>
/// <param name="Name">The comparison's name; file prefix.</param>
/// <param name="Title">Its title.</param>
public sealed record ComparisonResult(string Name, string Title)
{
    /// <summary>Tables; the first is printed in full, all are written as CSV.</summary>
    public List<ResultTable> Tables { get; } = [];

    /// <summary>Ratios and other headline numbers, each with an optional goal.</summary>
    public List<Verdict> Verdicts { get; } = [];

    /// <summary>Charts, written as PNG.</summary>
    public List<PerfChart> Charts { get; } = [];

    /// <summary>Free-text lines printed after the ratios (conditions, versions, caveats).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Set when a side could not be measured (e.g. the peer's checkpoints are missing).</summary>
    public bool Incomplete { get; set; }

    /// <summary>Wall time of the comparison.</summary>
    public TimeSpan Elapsed { get; set; }

    /// <summary>Adds a note.</summary>
    /// <param name="text">The note.</param>
    public void Note(string text) => Notes.Add(text);
}

/// <summary>A table of results. Cells are numbers or text; numbers are written in full in CSV and rounded in markdown.</summary>
/// <param name="Name">The table's name; the CSV is <c>{comparison}-{name}.csv</c>.</param>
/// <param name="Columns">Column headers.</param>
public sealed record ResultTable(string Name, IReadOnlyList<string> Columns)
{
    /// <summary>The rows, each with one cell per column.</summary>
    public List<object?[]> Rows { get; } = [];

    /// <summary>Whether the table is printed to the console (CSV is always written).</summary>
    public bool Print { get; init; } = true;

    /// <summary>Appends a row.</summary>
    /// <param name="cells">One cell per column.</param>
    public void Add(params object?[] cells)
    {
        if (cells.Length != Columns.Count)
        {
            throw new ArgumentException($"Table {Name} has {Columns.Count} columns; the row has {cells.Length} cells.", nameof(cells));
        }

        Rows.Add(cells);
    }
}

/// <summary>Which way a goal points.</summary>
public enum GoalKind
{
    /// <summary>The value must be at least the goal (speed-ups, recall).</summary>
    AtLeast,

    /// <summary>The value must be at most the goal (overheads).</summary>
    AtMost,

    /// <summary>The value must be within <see cref="Verdict.Tolerance"/> of the goal (e.g. a log-log slope of 1 ± 0.1).</summary>
    Near,
}

/// <summary>A headline number, with a goal when there is one.</summary>
/// <param name="Name">What it is, e.g. "single query f32 1M×768: Nudge/FAISS throughput".</param>
/// <param name="Value">The measured value (NaN when not measured).</param>
/// <param name="Unit">Printed after the value: "×", "%", " GB/s"...; "%" values are fractions (0.05 prints as 5.0%).</param>
/// <param name="Goal">The goal, or null for an informational number.</param>
/// <param name="Kind">Which way the goal points.</param>
/// <param name="Tolerance">For <see cref="GoalKind.Near"/>: the largest accepted distance from the goal.</param>
public sealed record Verdict(string Name, double Value, string Unit, double? Goal = null, GoalKind Kind = GoalKind.AtLeast, double Tolerance = 0)
{
    /// <summary>Whether the goal is met; null without a goal or without a measurement.</summary>
    public bool? Met => Goal is not double g || double.IsNaN(Value) ? null : Kind switch
    {
        GoalKind.AtLeast => Value >= g,
        GoalKind.AtMost => Value <= g,
        _ => Math.Abs(Value - g) <= Tolerance,
    };

    /// <summary>The value with its unit.</summary>
    public string FormatValue(double value) => double.IsNaN(value) ? "not measured"
        : Unit == "%" ? (value * 100).ToString("F1", CultureInfo.InvariantCulture) + "%"
        : Format.Number(value) + Unit;

    /// <summary>The printed line, e.g. <c>single query f32: 1.73× (goal ≥ 1.5×: met)</c>.</summary>
    public override string ToString()
    {
        string line = $"{Name}: {FormatValue(Value)}";
        if (Goal is double g)
        {
            string verdict = Met switch { true => "met", false => "MISSED", null => "not measured" };
            string goal = Kind switch
            {
                GoalKind.AtLeast => $"≥ {FormatValue(g)}",
                GoalKind.AtMost => $"≤ {FormatValue(g)}",
                _ => $"{FormatValue(g)} ± {FormatValue(Tolerance)}",
            };
            line += $" (goal {goal}: {verdict})";
        }

        return line;
    }
}
