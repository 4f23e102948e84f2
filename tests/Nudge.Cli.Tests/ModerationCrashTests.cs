using System.Collections.Concurrent;
using System.Text.Json;

namespace Nudge.Cli.Tests;

/// <summary>
/// The moderation worker dies without warning: <c>nudge serve</c> on the Azure Storage backend (against Azurite)
/// sweeps a folder of uploads (memorized copies to block, the hostile corpus to record as invalid, clean images to
/// allow) and is killed with SIGKILL while moderations are running, then started again. Every upload ends with exactly
/// one verdict of record; every upload that was not allowed has exactly one quarantined copy and is gone from uploads.
/// </summary>
public sealed class ModerationCrashTests : IDisposable
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "nudge-modcrash-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_store, recursive: true);

    [Fact]
    public async Task A_worker_killed_mid_moderation_resumes_and_records_every_verdict_exactly_once()
    {
        var connection = Environment.GetEnvironmentVariable("NUDGE_TEST_BLOB_CONNECTION") ?? "UseDevelopmentStorage=true";
        var uploads = Path.Combine(_store, "uploads");
        Directory.CreateDirectory(uploads);
        var memorized = Directory.GetFiles(Path.Combine(CliRunner.RepoRoot, "models", "tiny-sd", "memorized"), "*.png").Order(StringComparer.Ordinal).ToArray();
        foreach (var f in memorized)
        {
            File.Copy(f, Path.Combine(uploads, "copy-" + Path.GetFileName(f)));
        }

        var corpus = Path.Combine(CliRunner.RepoRoot, "tests", "corpus", "hostile-images");
        foreach (var f in Directory.GetFiles(corpus).Where(f => Path.GetFileName(f) is not ("make.py" or "verdicts.json")))
        {
            File.Copy(f, Path.Combine(uploads, "hostile-" + Path.GetFileName(f)));
        }

        var names = Directory.GetFiles(uploads).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        string[] args = ["serve", "--urls", "http://127.0.0.1:0", "--store", _store, "--durable-storage", connection,
            "--task-hub", "modcrash" + Guid.NewGuid().ToString("N")[..8], "--sweep-seconds", "1"];
        var keys = new Dictionary<string, string> { ["NUDGE_FUNCTION_KEY"] = ServeProcess.FunctionKey, ["NUDGE_ADMIN_KEY"] = ServeProcess.AdminKey };

        var firstLog = new ConcurrentQueue<string>();
        int verdictsAtKill;
        using (var first = CliRunner.Start(keys, firstLog.Enqueue, args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while ((verdictsAtKill = Verdicts().Count) < 5)
            {
                Assert.False(first.HasExited, "the worker exited before it was killed:\n" + string.Join('\n', firstLog));
                Assert.True(DateTime.UtcNow < deadline, "fewer than 5 verdicts in 4 minutes:\n" + string.Join('\n', firstLog));
                await Task.Delay(20);
            }

            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }

        Assert.InRange(verdictsAtKill, 5, names.Length - 1);
        var secondLog = new ConcurrentQueue<string>();
        using (var second = CliRunner.Start(keys, secondLog.Enqueue, args))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (!Settled(names))
            {
                Assert.False(second.HasExited, "the second worker exited:\n" + string.Join('\n', secondLog));
                Assert.True(DateTime.UtcNow < deadline, $"{Verdicts().Count} of {names.Length} verdicts after the restart:\n" + string.Join('\n', secondLog));
                await Task.Delay(200);
            }

            // Let anything still in flight land before counting, then stop the worker.
            await Task.Delay(3000);
            second.Kill(entireProcessTree: true);
            await second.WaitForExitAsync();
        }

        var verdicts = Verdicts();
        Assert.Equal(names, verdicts.Select(v => v.Upload).Order(StringComparer.Ordinal));
        var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(corpus, "verdicts.json"))).RootElement;
        foreach (var (upload, verdict) in verdicts)
        {
            if (upload.StartsWith("copy-", StringComparison.Ordinal))
            {
                Assert.Equal("block", verdict);
            }
            else
            {
                Assert.Equal(expected.GetProperty(upload["hostile-".Length..]).GetProperty("verdict").GetString(), verdict);
            }

            bool allowed = verdict == "allow";
            Assert.Equal(allowed, File.Exists(Path.Combine(uploads, upload)));
            int copies = Directory.Exists(Path.Combine(_store, "quarantine"))
                ? Directory.EnumerateFiles(Path.Combine(_store, "quarantine"), "*", SearchOption.AllDirectories).Count(f => f.EndsWith(SafeLeaf(upload), StringComparison.Ordinal))
                : 0;
            Assert.True(copies == (allowed ? 0 : 1), $"{upload} ({verdict}) has {copies} quarantined copies");
        }
    }

    private bool Settled(string[] names) =>
        Verdicts().Select(v => v.Upload).ToHashSet().SetEquals(names);

    // Each verdict of record: moderation/{nameKey}/{versionKey}.json naming its upload.
    private List<(string Upload, string Verdict)> Verdicts()
    {
        var folder = Path.Combine(_store, "moderation");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var list = new List<(string, string)>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.json", SearchOption.AllDirectories))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                if (doc.RootElement.TryGetProperty("upload", out var upload) && doc.RootElement.TryGetProperty("verdict", out var verdict))
                {
                    list.Add((upload.GetProperty("name").GetString()!, verdict.GetString()!));
                }
            }
            catch (Exception ex) when (ex is JsonException or IOException)
            {
                // A verdict being written right now; it is read again on the next poll.
            }
        }

        return list;
    }

    private static string SafeLeaf(string name) =>
        new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_')]).Trim('.');
}
