using System.Security.Cryptography;
using System.Text.Json;

namespace Nudge.Cli.Tests;

/// <summary>
/// The worker dies without warning: <c>nudge batch</c> on the Durable Task Framework's Azure Storage backend (against
/// Azurite) is killed with SIGKILL while image activities are running, then started again. The second run attaches to
/// the batch in flight and finishes it, and every line's output exists exactly once, intact.
/// </summary>
public sealed class BatchCrashTests : IDisposable
{
    private const int Lines = 12;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-crash-" + Guid.NewGuid().ToString("N"));

    public BatchCrashTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task A_worker_killed_mid_batch_resumes_and_writes_every_output_exactly_once()
    {
        var connection = Environment.GetEnvironmentVariable("NUDGE_TEST_BLOB_CONNECTION") ?? "UseDevelopmentStorage=true";
        string[] prompts = ["a red circle on a blue background", "the vermeer painting of a red circle", "a small green star on a striped white background"];
        var file = Path.Combine(_dir, "crash.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, Lines).Select(i => JsonSerializer.Serialize(new { prompt = prompts[i % prompts.Length], steps = 6, seed = i, guidance = 3 })));
        var store = Path.Combine(_dir, "store");
        string[] args = ["batch", file, "--durable-storage", connection, "--task-hub", "crash" + Guid.NewGuid().ToString("N")[..8], "--store", store, "--out", Path.Combine(_dir, "out")];

        int recordsAtKill;
        using (var first = CliRunner.Start(args))
        {
            recordsAtKill = await WaitForRecordsAsync(store, first, atLeast: 3, TimeSpan.FromMinutes(4));
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        Assert.InRange(recordsAtKill, 3, Lines - 1);
        var second = CliRunner.Run(args);

        Assert.True(second.ExitCode == 0, second.StdErr);
        Assert.Contains("attaching to it", second.StdErr, StringComparison.Ordinal);

        // Exactly once: each line's output folder holds one PNG, one record and the line manifest, and the first pass
        // for review when a filter fired on it; nothing else.
        var lineFolders = Directory.GetDirectories(Path.Combine(store, "outputs"));
        Assert.Equal(Lines, lineFolders.Length);
        foreach (var folder in lineFolders)
        {
            using var record = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(folder, "0.json")));
            bool clean = record.RootElement.GetProperty("extensions").GetProperty("nudge").GetProperty("outcome").GetString() == "clean";
            string[] expected = clean ? ["0.json", "0.png", "manifest.json"] : ["0.json", "0.png", "0.unmodified.png", "manifest.json"];
            Assert.Equal(expected, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }

        // Intact: each exported record names its line's seed and the SHA-256 of the PNG beside it.
        for (int i = 1; i <= Lines; i++)
        {
            var line = Path.Combine(_dir, "out", $"line-{i}");
            using var record = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(line, "0.json")));
            Assert.Equal(i, record.RootElement.GetProperty("seed").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(line, "0.png")))), record.RootElement.GetProperty("png_sha256").GetString());
        }
    }

    private static async Task<int> WaitForRecordsAsync(string store, System.Diagnostics.Process worker, int atLeast, TimeSpan timeout)
    {
        var outputs = Path.Combine(store, "outputs");
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(worker.HasExited, $"the worker exited with {(worker.HasExited ? worker.ExitCode : 0)} before it was killed");
            int count = Directory.Exists(outputs) ? Directory.EnumerateFiles(outputs, "0.json", SearchOption.AllDirectories).Count() : 0;
            if (count >= atLeast)
            {
                return count;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"fewer than {atLeast} image records after {timeout}");
    }
}
