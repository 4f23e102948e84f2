namespace Nudge.Evaluation;

/// <summary>A point estimate with a bootstrap 95% confidence interval.</summary>
/// <param name="Value">The estimate on all captions.</param>
/// <param name="Low">2.5th percentile of the bootstrap distribution.</param>
/// <param name="High">97.5th percentile.</param>
public sealed record Interval(double Value, double Low, double High)
{
    /// <summary>No value (nothing to measure).</summary>
    public static readonly Interval None = new(double.NaN, double.NaN, double.NaN);
}
