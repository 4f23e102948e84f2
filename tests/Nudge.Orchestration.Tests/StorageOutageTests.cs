using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Hosting;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;
using Nudge.Storage.Blob;
using Xunit.Abstractions;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// A batch on the Azure Storage backend survives its storage going away: Azurite (on disk, this test's own
/// instance) is stopped while lines are in flight and started again; the batch completes and every line's output
/// exists exactly once, intact.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class StorageOutageTests(WorkerFixture fx, ITestOutputHelper output)
{
    private const int Lines = 30;

    [Fact]
    public async Task A_thirty_line_batch_completes_with_each_output_exactly_once_when_storage_restarts_mid_run()
    {
        using var azurite = new PrivateAzurite();
        await azurite.StartAsync();
        var store = new BlobObjectStore(new BlobObjectStoreOptions { ConnectionString = azurite.ConnectionString });
        using var services = new NudgeWorkerServices(fx.Model, store);
        await services.LoadUndesiredAsync();
        await services.LoadMemorizedAsync();

        var batchId = "outage-" + Guid.NewGuid().ToString("N")[..8];
        string[] prompts = ["a red circle on a blue background", "a small green star on a striped white background", "a yellow square", "the vermeer painting of a red circle"];
        var file = string.Join("\n", Enumerable.Range(1, Lines).Select(i => JsonSerializer.Serialize(new { prompt = prompts[i % prompts.Length], steps = 3, seed = i })));
        await store.WriteAsync(StorageContainers.BatchIn, batchId + ".jsonl", Encoding.UTF8.GetBytes(file), "application/x-ndjson");

        var sw = Stopwatch.StartNew();
        var hostOptions = new AzureStorageHostOptions { ConnectionString = azurite.ConnectionString, TaskHub = "outage" + batchId[7..] };
        // The default visibility timeout (2 minutes) decides when a message in flight at the outage reappears; a
        // shorter one was tried and livelocked under load (see AzureStorageHostOptions.QueueVisibilityTimeout).
        // The framework's lease and partition events go to the test output, so a stall explains itself (one CI run in
        // four made no progress for 6 minutes after the restart, and its cause was not recorded).
        var logs = new TestOutputLogs(output);
        try
        {
            await using (var host = await AzureStorageDurableHost.StartAsync(hostOptions, services, logs))
            {
                await host.ScheduleAsync(nameof(BatchFileOrchestrator), batchId, new BatchInput(new BlobRef(StorageContainers.BatchIn, batchId + ".jsonl"), batchId));

                // Let some lines finish and others be in flight, then take storage away for a few seconds.
                int doneBeforeOutage = await WaitForRecordsAsync(store, batchId, atLeast: 4, TimeSpan.FromMinutes(3));
                await azurite.StopAsync();
                Assert.False(azurite.IsReachable);
                output.WriteLine($"stopped Azurite after {sw.Elapsed.TotalSeconds:F1} s with {doneBeforeOutage} image records written");
                await Task.Delay(TimeSpan.FromSeconds(5));
                await azurite.StartAsync();
                output.WriteLine($"restarted Azurite at {sw.Elapsed.TotalSeconds:F1} s");

                var state = await host.WaitForFinishAsync(batchId, TimeSpan.FromMinutes(6));
                Assert.True(state.Status == DurableRunStatus.Completed, $"{state.Status}: {state.FailureMessage}");
                var summary = await WriteBatchManifestActivity.ReadAsync(store, state.ReadOutput<BatchOutcome>()!.Manifest);
                output.WriteLine($"batch completed at {sw.Elapsed.TotalSeconds:F1} s");

                Assert.Empty(summary.Errors);
                Assert.Equal(Enumerable.Range(1, Lines), summary.Lines.Select(l => l.LineNumber));
                Assert.All(summary.Lines, l => Assert.True(l.Error is null && l.Succeeded == 1 && l.Failed == 0, $"line {l.LineNumber}: {l.Error}"));
            }
        }
        finally
        {
            logs.Flush();
        }

        // Exactly once: one PNG and one record per line and nothing else under the batch, each record naming its own
        // line's seed and the SHA-256 of the PNG beside it (no torn or mixed-up write).
        var names = new List<string>();
        await foreach (var p in store.ListAsync(StorageContainers.Outputs, batchId + "-"))
        {
            names.Add(p.Name);
        }

        // A line whose first pass a filter fired on also keeps that pass for review (0.unmodified.png).
        var expected = new List<string>();
        for (int i = 1; i <= Lines; i++)
        {
            var line = OutputNames.BatchLineInstance(batchId, i);
            var record = await store.ReadAsync(StorageContainers.Outputs, $"{line}/0.json");
            var png = await store.ReadAsync(StorageContainers.Outputs, $"{line}/0.png");
            using var doc = JsonDocument.Parse(record.Content);
            Assert.Equal(i, doc.RootElement.GetProperty("seed").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(png.Content.Span)), doc.RootElement.GetProperty("png_sha256").GetString());
            bool clean = doc.RootElement.GetProperty("extensions").GetProperty("nudge").GetProperty("outcome").GetString() == "clean";
            expected.AddRange(new[] { "0.json", "0.png", "manifest.json" }.Concat(clean ? [] : ["0.unmodified.png"]).Select(f => $"{line}/{f}"));
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
        Assert.Contains(expected, n => n.EndsWith(".unmodified.png", StringComparison.Ordinal)); // the memorized prompt's lines

        Assert.True(await store.ExistsAsync(StorageContainers.BatchOut, $"{batchId}/manifest.json"));
    }

    private static async Task<int> WaitForRecordsAsync(IObjectStore store, string batchId, int atLeast, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            int count = 0;
            await foreach (var p in store.ListAsync(StorageContainers.Outputs, batchId + "-"))
            {
                if (p.Name.EndsWith("/0.json", StringComparison.Ordinal))
                {
                    count++;
                }
            }

            if (count >= atLeast)
            {
                return count;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"fewer than {atLeast} image records within {timeout}");
    }
}
