namespace Nudge.Cli.Tests;

/// <summary><c>nudge index graph</c>: builds a large index's proximity graph once per generation, and refuses bad input with exit 2.</summary>
public sealed class IndexGraphCommandTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "nudge-graph-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_store))
        {
            Directory.Delete(_store, recursive: true);
        }
    }

    [Fact]
    public void Builds_the_graph_once_per_generation_and_reports_small_indices_as_exact()
    {
        Assert.Equal(0, CliRunner.Run("index", "import-memorized", "--store", _store).ExitCode);

        CliRunner.Result small = CliRunner.Run("index", "graph", "--index", "undesired", "--store", _store);
        CliRunner.Result built = CliRunner.Run("index", "graph", "--index", "undesired", "--min-entries", "5", "--store", _store);
        CliRunner.Result again = CliRunner.Run("index", "graph", "--index", "undesired", "--min-entries", "5", "--store", _store);

        Assert.Equal(0, small.ExitCode);
        Assert.Contains("stays exact", small.StdOut);
        Assert.Equal(0, built.ExitCode);
        Assert.Contains("built the graph of 'undesired' generation 1: 12 entries", built.StdOut);
        Assert.Contains("12 of 12 rows", built.StdErr);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(_store, "indices", "undesired", "graphs")));
        Assert.Contains("already has its graph", again.StdOut);
    }

    [Theory]
    [InlineData("--index", "missing")]
    [InlineData("--index", "undesired", "--quantization", "f8")]
    [InlineData("--index", "undesired", "--min-entries", "0")]
    public void Bad_input_exits_2_with_one_line(params string[] args)
    {
        CliRunner.Result result = CliRunner.Run(["index", "graph", .. args, "--store", _store]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("nudge: ", result.StdErr.Split('\n').Last(l => l.Length > 0));
    }
}
