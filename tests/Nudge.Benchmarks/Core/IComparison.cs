namespace Nudge.Benchmarks.Core;

/// <summary>
/// One comparison of the suite: it measures Nudge and its peer (or Nudge against itself at several sizes) in the
/// same invocation, interleaved where it can, and returns tables, charts and ratios. Never compare against
/// numbers from another run: the machines these run on are noisy.
/// </summary>
public interface IComparison
{
    /// <summary>The command name, e.g. <c>index</c>; also the prefix of the files written under the output folder.</summary>
    string Name { get; }

    /// <summary>A one-line title, e.g. "Index search vs FAISS".</summary>
    string Title { get; }

    /// <summary>Runs the comparison.</summary>
    /// <param name="context">Options, output, scratch folder and data shared with the other comparisons of the invocation.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>What was measured.</returns>
    Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken);
}
