using System.Collections.Concurrent;
using System.Text.Json;

namespace Nudge.Cli.Tests;

/// <summary>
/// Each image runs as separate generate, filter, nudge and publish activities, each leaving its state as a blob. A
/// worker (<c>nudge batch</c> on the Azure Storage backend against Azurite) is killed with SIGKILL once first passes
/// exist that no filter has judged yet; the next worker resumes those images at the filter step and does not generate
/// them again.
/// </summary>
public sealed class ImageStepCrashTests : IDisposable
{
    private const int Images = 6;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-stepcrash-" + Guid.NewGuid().ToString("N"));

    public ImageStepCrashTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_worker_killed_after_generate_resumes_at_filter_without_generating_again()
    {
        var connection = Environment.GetEnvironmentVariable("NUDGE_TEST_BLOB_CONNECTION") ?? "UseDevelopmentStorage=true";
        var file = Path.Combine(_dir, "steps.jsonl");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new { prompt = "the vermeer painting of a red circle", seed = 1, count = Images }) + "\n");
        var store = Path.Combine(_dir, "store");
        var work = Path.Combine(store, "work");
        string[] args = ["batch", file, "--durable-storage", connection, "--task-hub", "steps" + Guid.NewGuid().ToString("N")[..8], "--store", store, "--out", Path.Combine(_dir, "out")];
        var verbose = new Dictionary<string, string> { ["NUDGE_VERBOSE"] = "1" };

        var firstLog = new ConcurrentQueue<string>();
        using (var first = CliRunner.Start(verbose, firstLog.Enqueue, args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while (Unjudged(work).Count == 0)
            {
                Assert.False(first.HasExited, "the worker exited before it was killed:\n" + string.Join('\n', firstLog));
                Assert.True(DateTime.UtcNow < deadline, "no first pass appeared in 4 minutes");
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        // Images whose first pass was stored and not yet judged when the worker died.
        var unjudged = Unjudged(work);
        Assert.NotEmpty(unjudged);
        var stamps = unjudged.ToDictionary(d => d, d => File.GetLastWriteTimeUtc(Path.Combine(d, "first-pass.state")));

        var secondLog = new ConcurrentQueue<string>();
        using (var second = CliRunner.Start(verbose, secondLog.Enqueue, args))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromMinutes(5)), "the second worker did not finish in 5 minutes");
            Assert.True(second.ExitCode == 0, string.Join('\n', secondLog));
        }

        var log = string.Join('\n', secondLog);
        foreach (var folder in unjudged)
        {
            // work/{run}/{index}: the second worker judged it, from the first pass the first worker stored.
            var index = Path.GetFileName(folder);
            var run = Path.GetFileName(Path.GetDirectoryName(folder)!);
            Assert.DoesNotContain($"image {run}/{index}: first pass generated", log, StringComparison.Ordinal);
            Assert.Contains($"image {run}/{index}: filters after 0 rounds", log, StringComparison.Ordinal);
            Assert.Equal(stamps[folder], File.GetLastWriteTimeUtc(Path.Combine(folder, "first-pass.state")));
            Assert.True(File.Exists(Path.Combine(store, "outputs", run, $"{index}.json")), $"image {run}/{index} has no record");
        }

        // Every image was published, each exactly once.
        var line = Path.Combine(_dir, "out", "line-1");
        Assert.Equal(Images, Directory.GetFiles(line, "*.json").Count(f => !f.EndsWith("manifest.json", StringComparison.Ordinal)));
    }

    private static List<string> Unjudged(string work) =>
        !Directory.Exists(work) ? []
        : [.. Directory.EnumerateFiles(work, "first-pass.state", SearchOption.AllDirectories)
            .Select(Path.GetDirectoryName).OfType<string>()
            .Where(d => !File.Exists(Path.Combine(d, "filters-0.json")))];
}
