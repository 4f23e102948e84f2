using System.Diagnostics;
using DurableTask.Core;
using Microsoft.Extensions.DependencyInjection;
using Nudge.Engine.Generation;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration.Hosting;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;
using Nudge.Testing;
using Xunit.Abstractions;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// The orchestrations on the Durable Task Framework's Azure Storage backend against Azurite (or
/// NUDGE_TEST_BLOB_CONNECTION), each test in its own task hub. Unreachable storage fails the tests.
/// </summary>
[Collection(WorkerCollection.Name)]
public sealed class AzureStorageBackendTests(WorkerFixture fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task A_three_image_generation_completes_on_the_azure_storage_backend()
    {
        await using var host = await StartHostAsync();
        var id = Requests.NewId("azgen");
        var sw = Stopwatch.StartNew();
        var instance = await host.StartAsync(nameof(GenerationOrchestrator), id, new GenerationJob(Requests.Tiny(count: 3, seed: 300)));
        var (state, summary) = await host.WaitAsync<GenerationSummary>(instance, Timeout);
        sw.Stop();

        Assert.True(state.OrchestrationStatus == OrchestrationStatus.Completed, $"{state.OrchestrationStatus}: {state.FailureDetails?.ErrorMessage ?? state.Output}");
        Assert.NotNull(summary);
        Assert.Equal(3, summary.Succeeded);
        var names = await fx.ListAsync(StorageContainers.Outputs, id + "/");
        Assert.Equal(["0.json", "1.json", "2.json", "manifest.json"], names.Where(n => n.EndsWith(".json", StringComparison.Ordinal)).Select(n => n[(id.Length + 1)..]).Order());
        Assert.Contains("\"phase\":\"completed\"", state.Status, StringComparison.OrdinalIgnoreCase);

        double overheadPerImage = (sw.Elapsed.TotalMilliseconds - summary.ActivityMs) / summary.Total;
        output.WriteLine($"azure storage backend (Azurite): wall {sw.Elapsed.TotalMilliseconds:F0} ms, activities {summary.ActivityMs:F0} ms, overhead {overheadPerImage:F0} ms/image");
    }

    [Fact]
    public async Task A_complex_payload_round_trips_through_the_azure_storage_backend()
    {
        await using var host = await StartHostAsync();
        var id = Requests.NewId("azimg");
        var request = new GenerationRequest { Prompt = "ünïcödé \"quoted\" prompt", NegativePrompt = "blur", Steps = 4, GuidanceScale = 4.5f, Scheduler = "ddim", Seed = long.MaxValue - 5, Width = 64, Height = 64, Count = 1 };
        var item = new ImageWorkItem(id, 3, request);
        var instance = await host.StartAsync(nameof(GenerateImageOrchestrator), id, item);
        var (state, result) = await host.WaitAsync<ImageResult>(instance, Timeout);

        Assert.True(state.OrchestrationStatus == OrchestrationStatus.Completed, $"{state.OrchestrationStatus}: {state.FailureDetails?.ErrorMessage ?? state.Output}");
        Assert.NotNull(result);
        Assert.Equal(3, result.Index);
        Assert.Equal(long.MaxValue - 5, result.Seed);
        Assert.Equal(request.Prompt, result.Prompt);
        Assert.NotNull(result.Outcome);
        Assert.Equal(OutputNames.ImageRecord(id, 3), result.Record);
        var input = Microsoft.DurableTask.Converters.JsonDataConverter.Default.Deserialize<ImageWorkItem>(state.Input);
        Assert.Equal(item, input);
    }

    [Fact]
    public async Task A_triggered_image_runs_generate_filter_nudge_filter_publish_as_separate_activities()
    {
        await using var host = await StartHostAsync();
        var id = Requests.NewId("azsteps");
        var item = new ImageWorkItem(id, 0, Requests.Tiny("the vermeer painting of a red circle", seed: 1) with { Steps = 20, GuidanceScale = 3 });
        var instance = await host.StartAsync(nameof(GenerateImageOrchestrator), id, item);
        var (state, result) = await host.WaitAsync<ImageResult>(instance, Timeout);

        Assert.True(state.OrchestrationStatus == OrchestrationStatus.Completed, $"{state.OrchestrationStatus}: {state.FailureDetails?.ErrorMessage ?? state.Output}");
        Assert.Equal(ImageOutcome.Nudged, result!.Outcome);
        var history = System.Text.Json.JsonDocument.Parse(await host.Client.GetOrchestrationHistoryAsync(state.OrchestrationInstance));
        var scheduled = history.RootElement.EnumerateArray()
            .Where(e => e.GetProperty("EventType").GetInt32() == (int)DurableTask.Core.History.EventType.TaskScheduled)
            .Select(e => e.GetProperty("Name").GetString()).ToList();
        output.WriteLine(string.Join(" → ", scheduled));
        var expected = new List<string?> { "GenerateActivity", "FilterActivity" };
        for (int r = 0; r < result.Rounds; r++)
        {
            expected.AddRange(["NudgeActivity", "FilterActivity"]);
        }

        expected.Add("PublishImageActivity");
        Assert.Equal(expected, scheduled);

        // Each step left its state as a blob; the payloads carried only references to them.
        var work = await fx.ListAsync(StorageContainers.Work, id + "/");
        Assert.Contains($"{id}/0/first-pass.state", work);
        Assert.Contains($"{id}/0/round-0.state", work);
        Assert.Equal(result.Rounds + 1, work.Count(n => n.Contains("/filters-", StringComparison.Ordinal)));
        Assert.All(history.RootElement.EnumerateArray(), e => Assert.True(e.GetRawText().Length < 16_384, "a history event carries image data"));
    }

    [Fact]
    public async Task A_permanent_failure_is_recorded_not_retried_on_the_azure_storage_backend()
    {
        await using var host = await StartHostAsync();
        var id = Requests.NewId("azbad");
        var instance = await host.StartAsync(nameof(GenerateImageOrchestrator), id, new ImageWorkItem(id, 0, Requests.Tiny() with { Steps = 0 }));
        var (state, result) = await host.WaitAsync<ImageResult>(instance, Timeout);

        Assert.Equal(OrchestrationStatus.Completed, state.OrchestrationStatus);
        Assert.Contains("steps", result!.Error);
    }

    private async Task<AzureStorageDurableHost> StartHostAsync()
    {
        var connection = await AzuriteTestAccount.GetConnectionStringAsync();
        var services = new ServiceCollection().AddNudgeWorker(fx.Services).BuildServiceProvider();
        // Task hub names: letters and digits, start with a letter, 3-45 characters.
        var hub = "nudgetest" + Guid.NewGuid().ToString("N")[..12];
        return await AzureStorageDurableHost.StartAsync(new AzureStorageHostOptions { ConnectionString = connection, TaskHub = hub, DeleteTaskHubOnDispose = true }, services);
    }
}
