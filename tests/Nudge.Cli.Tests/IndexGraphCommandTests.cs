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

    [Fact]
    public void Builds_a_graph_in_partitions_that_later_searches_use()
    {
        Assert.Equal(0, CliRunner.Run("index", "import-memorized", "--store", _store).ExitCode);

        CliRunner.Result built = CliRunner.Run(
            "index", "graph", "--index", "undesired", "--min-entries", "5", "--partitions", "2", "--connectivity", "32", "--expansion-add", "200", "--expansion-search", "96", "--store", _store);

        Assert.Equal(0, built.ExitCode);
        Assert.Contains("in 2 partitions (M 32, efConstruction 200, ef 96, Int8)", built.StdOut);
        string graph = Assert.Single(Directory.EnumerateFiles(Path.Combine(_store, "indices", "undesired", "graphs"), "*.usearch"));
        Assert.Equal("NUDGEPG1"u8.ToArray(), File.ReadAllBytes(graph)[..8]);
    }

    [Theory]
    [InlineData("--index", "missing")]
    [InlineData("--index", "undesired", "--quantization", "f8")]
    [InlineData("--index", "undesired", "--min-entries", "0")]
    [InlineData("--index", "undesired", "--partitions", "0")]
    [InlineData("--index", "undesired", "--connectivity", "1")]
    [InlineData("--index", "undesired", "--expansion-search", "-3")]
    public void Bad_input_exits_2_with_one_line(params string[] args)
    {
        CliRunner.Result result = CliRunner.Run(["index", "graph", .. args, "--store", _store]);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("nudge: ", result.StdErr.Split('\n').Last(l => l.Length > 0));
    }
}
