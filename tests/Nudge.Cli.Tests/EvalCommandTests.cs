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
    public void A_method_subset_runs_those_methods_beside_the_unmitigated_reference()
    {
        var r = CliRunner.Run("eval", "--seeds", "1", "--guidance", "3", "--methods", "nudge-conditioning", "--out", _out);

        Assert.True(r.ExitCode == 0, r.StdErr);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "summary.json")));
        var methods = summary.RootElement.EnumerateArray().Select(e => e.GetProperty("method").GetString()!).ToArray();
        Assert.Equal(new[] { "none", "nudge-conditioning" }, methods);
        var report = File.ReadAllText(Path.Combine(_out, "report.md"));
        Assert.Contains("guidance 3", report, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_out, "fig3-grid.png")));
    }
}
