using System.Text.Json;

namespace Nudge.Cli.Tests;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "nudge-eval-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Theory]
    [InlineData("--methods", "none,telepathy", "telepathy")]
    [InlineData("--guidance", "-1", "guidance")]
    [InlineData("--seeds", "0", "seeds")]
    public void A_bad_argument_exits_2_naming_it_and_writes_nothing(string option, string value, string named)
    {
        var r = CliRunner.Run("eval", option, value, "--out", _out);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(named, r.StdErr, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(_out) && Directory.EnumerateFileSystemEntries(_out).Any());
    }

    [Fact]
    public void A_method_subset_runs_those_methods_beside_the_unmitigated_reference_and_writes_every_judges_scores()
    {
        var r = CliRunner.Run("eval", "--seeds", "1", "--guidance", "3", "--methods", "nudge", "--out", _out);

        Assert.True(r.ExitCode == 0, r.StdErr);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")));
        var methods = summary.RootElement.GetProperty("report").EnumerateArray().Select(e => e.GetProperty("method").GetString()!).ToArray();
        Assert.Equal(new[] { "none", "nudge" }, methods);
        var judges = summary.RootElement.GetProperty("judges");
        Assert.InRange(judges.GetProperty("structure_sibling_rate").GetDouble(), 0, 0.05);
        var report = File.ReadAllText(Path.Combine(_out, "report.md"));
        Assert.Contains("guidance 3", report, StringComparison.Ordinal);
        foreach (var figure in new[] { "fig3-grid.png", "fig4-copy-distribution.png", "fig5-embedding-pca.png" })
        {
            Assert.True(File.Exists(Path.Combine(_out, figure)), figure);
        }

        // One line per output, each with every judge's score: 12 captions + 22×2 controls + 24×2 near-miss prompts, twice.
        var lines = File.ReadAllLines(Path.Combine(_out, "samples.jsonl"));
        Assert.Equal(2 * (12 + 44 + 48), lines.Length);
        using var first = JsonDocument.Parse(lines[0]);
        foreach (var judge in new[] { "copy", "structure", "embedder", "oracle_colour", "oracle_shape" })
        {
            Assert.True(first.RootElement.GetProperty("scores").TryGetProperty(judge, out _), judge);
        }
    }
}
