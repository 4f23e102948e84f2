using System.Diagnostics;

namespace Nudge.Mitigation.Filters;

/// <summary>
/// The adaptive sequence of filters, cheapest first: runs them in the configured order and, once a
/// blocking filter has fired, records the rest as skipped without running them.
/// </summary>
public sealed class FilterChain
{
    /// <summary>Creates a chain.</summary>
    /// <param name="filters">Filters in the order to run them.</param>
    public FilterChain(IReadOnlyList<IGenerationFilter> filters)
    {
        var dup = filters.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null)
        {
            throw new ArgumentException($"Filter '{dup.Key}' appears twice.", nameof(filters));
        }

        Filters = filters;
    }

    /// <summary>The filters, in order.</summary>
    public IReadOnlyList<IGenerationFilter> Filters { get; }

    /// <summary>Runs the filters of one stage.</summary>
    /// <param name="input">The input.</param>
    /// <param name="stage">Prompt or image stage.</param>
    /// <returns>The report.</returns>
    public FilterReport Run(FilterInput input, FilterStage stage)
    {
        var results = new List<FilterResult>();
        bool blocked = false;
        foreach (var f in Filters.Where(f => f.Stage == stage))
        {
            if (blocked)
            {
                results.Add(FilterResult.SkippedResult(f.Name, f.Action));
                continue;
            }

            var sw = Stopwatch.StartNew();
            var r = f.Evaluate(input) with { Skipped = false, Blocking = f.Blocking, Action = f.Action };
            results.Add(r with { ElapsedMs = sw.Elapsed.TotalMilliseconds });
            blocked = r.Triggered && f.Blocking;
        }

        return new FilterReport(results);
    }
}
