using System.Text.Json;

namespace Nudge.Cli.Tests;

public sealed class BatchCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-batch-" + Guid.NewGuid().ToString("N"));

    public BatchCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Runs_every_valid_line_records_malformed_ones_by_number_and_reuses_outputs_when_run_again()
    {
        var file = Path.Combine(_dir, "night-run.jsonl");
        File.WriteAllLines(file,
        [
            """{"prompt": "a red circle on a blue background", "steps": 4, "seed": 1}""",
            """{"prompt": "a green star", "steps": 0}""",
            """{"prompt": "a yellow square", "steps": 4, "seed": 7, "count": 2}""",
        ]);
        var outDir = Path.Combine(_dir, "out");
        var store = Path.Combine(_dir, "store");

        var first = CliRunner.Run("batch", file, "--out", outDir, "--store", store);

        // A rejected line makes the exit code 1, but the rest of the batch completes.
        Assert.True(first.ExitCode == 1, first.StdErr);
        Assert.True(first.StdErr.Contains("line 2 rejected", StringComparison.Ordinal), first.StdErr);
        Assert.Contains("2 line(s) run, 3 image(s)", first.StdOut);
        var errors = File.ReadAllLines(Path.Combine(outDir, "errors.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2], errors.Select(e => e.GetProperty("line_number").GetInt32()));
        Assert.Contains("steps", errors[0].GetProperty("reason").GetString());
        Assert.True(File.Exists(Path.Combine(outDir, "manifest.json")));
        Assert.Equal(["0.png"], Directory.GetFiles(Path.Combine(outDir, "line-1"), "*.png").Select(Path.GetFileName));
        Assert.Equal(["0.png", "1.png"], Directory.GetFiles(Path.Combine(outDir, "line-3"), "*.png").Select(Path.GetFileName).Order());
        using (var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "line-3", "1.json"))))
        {
            Assert.Equal(8, record.RootElement.GetProperty("seed").GetInt64());
        }

        var firstPng = File.ReadAllBytes(Path.Combine(outDir, "line-3", "1.png"));
        var again = CliRunner.Run("batch", file, "--out", Path.Combine(_dir, "again"), "--store", store);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal(firstPng, File.ReadAllBytes(Path.Combine(_dir, "again", "line-3", "1.png")));
        Assert.Equal(Listing(outDir), Listing(Path.Combine(_dir, "again")));
        Assert.Equal(3, Directory.GetFiles(Path.Combine(store, "outputs"), "*.png", SearchOption.AllDirectories).Length);
    }

    private static string[] Listing(string dir) =>
        [.. Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order()];

    [Fact]
    public void A_missing_batch_file_is_a_usage_error()
    {
        var r = CliRunner.Run("batch", Path.Combine(_dir, "nope.jsonl"), "--out", Path.Combine(_dir, "out"), "--store", Path.Combine(_dir, "store"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("cannot read batch file", r.StdErr);
    }

    [Fact]
    public void A_malformed_task_hub_is_a_usage_error()
    {
        var file = Path.Combine(_dir, "b.jsonl");
        File.WriteAllText(file, """{"prompt": "x", "steps": 2}""");
        var r = CliRunner.Run("batch", file, "--out", Path.Combine(_dir, "out"), "--durable-storage", "UseDevelopmentStorage=true", "--task-hub", "no_underscores");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("task hub", r.StdErr);
    }
}
