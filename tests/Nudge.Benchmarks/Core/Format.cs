using System.Globalization;

namespace Nudge.Benchmarks.Core;

/// <summary>Invariant number formatting for tables and lines.</summary>
public static class Format
{
    /// <summary>About three significant digits, no exponent for everyday magnitudes: 1234 → 1234, 12.34 → 12.3, 0.01234 → 0.0123.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The text.</returns>
    public static string Number(double value)
    {
        if (double.IsNaN(value))
        {
            return "–";
        }

        double a = Math.Abs(value);
        string format = a >= 100 ? "F0" : a >= 10 ? "F1" : a >= 1 ? "F2" : a >= 0.01 ? "F3" : a == 0 ? "F0" : "G3";
        return value.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>A row count in short form: 10000 → 10k, 1000000 → 1M.</summary>
    /// <param name="n">The count.</param>
    /// <returns>The text.</returns>
    public static string Count(long n) =>
        n >= 1_000_000 && n % 1_000_000 == 0 ? $"{n / 1_000_000}M"
        : n >= 1000 && n % 1000 == 0 ? $"{n / 1000}k"
        : n.ToString(CultureInfo.InvariantCulture);

    /// <summary>A cell for markdown (rounded) output.</summary>
    /// <param name="cell">The cell.</param>
    /// <returns>The text.</returns>
    public static string Cell(object? cell) => cell switch
    {
        null => "",
        double d => Number(d),
        float f => Number(f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString() ?? "",
    };

    /// <summary>A cell for CSV (full precision, quoted when needed).</summary>
    /// <param name="cell">The cell.</param>
    /// <returns>The text.</returns>
    public static string Csv(object? cell)
    {
        string text = cell switch
        {
            null => "",
            double d => double.IsNaN(d) ? "" : d.ToString("G6", CultureInfo.InvariantCulture),
            float f => f.ToString("G6", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => cell.ToString() ?? "",
        };
        return text.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : text;
    }
}
