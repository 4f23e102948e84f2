using System.Diagnostics;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;
using Xunit.Abstractions;

namespace Nudge.Orchestration.Tests;

[Collection(WorkerCollection.Name)]
public sealed class GenerationOrchestrationTests(WorkerFixture fx, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_three_image_generation_completes_with_exactly_three_images_and_a_manifest()
    {
        var id = Requests.NewId("gen");
        var sw = Stopwatch.StartNew();
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GenerationOrchestrator), new GenerationJob(Requests.Tiny(count: 3)), new StartOrchestrationOptions { InstanceId = id });
        var meta = await WaitAsync(id);
        sw.Stop();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        var summary = meta.ReadOutputAs<GenerationSummary>()!;
        Assert.Equal(3, summary.Total);
        Assert.Equal(3, summary.Succeeded);
        Assert.Equal([0, 1, 2], summary.Images.Select(i => i.Index));
        Assert.Equal([7L, 8L, 9L], summary.Images.Select(i => i.Seed));

        var names = await fx.ListAsync(StorageContainers.Outputs, id + "/");
        var pngs = names.Where(n => n.EndsWith(".png", StringComparison.Ordinal)).ToList();
        var blocked = summary.Images.Count(i => i.Image is null);
        Assert.Equal(3 - blocked, pngs.Count);
        Assert.Equal(["0.json", "1.json", "2.json", "manifest.json"], names.Where(n => n.EndsWith(".json", StringComparison.Ordinal)).Select(n => n[(id.Length + 1)..]).Order());

        var manifest = await fx.Store.ReadAsync(StorageContainers.Outputs, $"{id}/manifest.json");
        using var doc = JsonDocument.Parse(manifest.Content);
        Assert.Equal(3, doc.RootElement.GetProperty("images").GetArrayLength());
        Assert.Equal($"{id}/0.json", doc.RootElement.GetProperty("images")[0].GetProperty("record").GetProperty("name").GetString());

        var record = await fx.Store.ReadAsync(StorageContainers.Outputs, $"{id}/1.json");
        using var rec = JsonDocument.Parse(record.Content);
        Assert.Equal(8, rec.RootElement.GetProperty("seed").GetInt64());
        Assert.True(rec.RootElement.GetProperty("extensions").TryGetProperty("nudge", out _), "the record carries the nudge report");

        double overheadPerImage = (sw.Elapsed.TotalMilliseconds - summary.ActivityMs) / summary.Total;
        output.WriteLine($"in-process backend: wall {sw.Elapsed.TotalMilliseconds:F0} ms, activities {summary.ActivityMs:F0} ms, overhead {overheadPerImage:F0} ms/image");
    }

    [Fact]
    public async Task Custom_status_reports_phase_and_done_of_total()
    {
        var id = Requests.NewId("prog");
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GenerationOrchestrator), new GenerationJob(Requests.Tiny(count: 2, seed: 100)), new StartOrchestrationOptions { InstanceId = id });
        var seen = new List<OrchestrationProgress>();
        using var cts = new CancellationTokenSource(Timeout);
        OrchestrationMetadata? meta;
        do
        {
            await Task.Delay(50, cts.Token);
            meta = await fx.Host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, cts.Token);
            if (meta?.SerializedCustomStatus is not null)
            {
                seen.Add(meta.ReadCustomStatusAs<OrchestrationProgress>()!);
            }
        }
        while (meta is null || !meta.IsCompleted);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        Assert.Equal(new OrchestrationProgress("completed", 2, 2, 0), seen[^1]);
        Assert.All(seen, p => Assert.Equal(2, p.Total));
        Assert.True(seen.Select(p => p.Done).SequenceEqual(seen.Select(p => p.Done).Order()), "done never goes backwards");
    }

    [Fact]
    public async Task A_cancel_request_stops_a_running_image_between_denoising_steps_and_writes_nothing()
    {
        var run = Requests.NewId("cancel");
        var item = new ImageWorkItem(run, 0, new Nudge.Engine.Generation.GenerationRequest { Prompt = "a red circle on a blue background", Steps = 150, Width = 256, Height = 256, GuidanceScale = 3, Seed = 7 });
        var activity = TestActivities.Create<GenerateActivity>(fx.Services);

        var clock = Stopwatch.StartNew();
        var running = Task.Run(() => activity.ExecuteAsync(item));
        await Task.Delay(300);
        await CancellationMarker.WriteAsync(fx.Store, run);
        var markedAt = clock.Elapsed;
        var ex = await Assert.ThrowsAsync<PermanentActivityException>(() => running);
        var stoppedAfter = clock.Elapsed;

        // The same image uncancelled, for scale: the cancelled one stopped well before it would have finished.
        clock.Restart();
        await activity.ExecuteAsync(item with { RunId = Requests.NewId("uncancelled") });
        var full = clock.Elapsed;

        Assert.Contains("stopped before it was finished", ex.Message);
        Assert.Empty(await PropertiesAsync(run, withMarker: false));
        Assert.Empty(await fx.ListAsync(StorageContainers.Work, run + "/"));
        Assert.True(markedAt < full * 0.5, $"the cancel was requested at {markedAt.TotalSeconds:F1} s, too late to test anything");
        Assert.True(stoppedAfter - markedAt < TimeSpan.FromSeconds(1.5), $"the image stopped {(stoppedAfter - markedAt).TotalSeconds:F1} s after the cancel request");
        output.WriteLine($"cancel requested at {markedAt.TotalSeconds:F2} s; the image stopped at {stoppedAfter.TotalSeconds:F2} s; uncancelled it takes {full.TotalSeconds:F2} s");

        // An image whose generation was already cancelled is not started at all, and nothing finished is published.
        var late = await Assert.ThrowsAsync<PermanentActivityException>(() => activity.ExecuteAsync(item with { Index = 1 }));
        Assert.Contains("was not made", late.Message);
    }

    [Fact]
    public async Task Running_each_image_step_twice_neither_recomputes_nor_overwrites_its_state_or_outputs()
    {
        var run = Requests.NewId("twice");
        var item = new ImageWorkItem(run, 0, Requests.Tiny(seed: 42));
        var generate = TestActivities.Create<GenerateActivity>(fx.Services);
        var filter = TestActivities.Create<FilterActivity>(fx.Services);
        var publish = TestActivities.Create<PublishImageActivity>(fx.Services);

        var generated = await generate.ExecuteAsync(item);
        var filtered = await filter.ExecuteAsync(new FilterWork(item, 0, []));
        Assert.NotNull(filtered.Decision.Outcome);
        var published = await publish.ExecuteAsync(new PublishWork(item, 0, filtered.Decision.Outcome!.Value, filtered.Decision.Matched));
        var before = (await PropertiesAsync(run)).Concat(await WorkPropertiesAsync(run)).ToList();

        var generatedAgain = await generate.ExecuteAsync(item);
        var filteredAgain = await filter.ExecuteAsync(new FilterWork(item, 0, []));
        var publishedAgain = await publish.ExecuteAsync(new PublishWork(item, 0, filtered.Decision.Outcome!.Value, filtered.Decision.Matched));
        var after = (await PropertiesAsync(run)).Concat(await WorkPropertiesAsync(run)).ToList();

        Assert.False(generated.Reused);
        Assert.Equal(new StepResult(generated.State, 0, Reused: true), generatedAgain);
        Assert.Equal(filtered.Decision.Outcome, filteredAgain.Decision.Outcome);
        Assert.Equal(0, filteredAgain.ActivityMs);
        Assert.False(published.Reused);
        Assert.Equal(published with { ActivityMs = 0, Reused = true }, publishedAgain);
        Assert.Equal(before.Select(p => (p.Name, p.ETag)), after.Select(p => (p.Name, p.ETag)));
        Assert.Equal(["first-pass.state", "filters-0.json"], (await WorkPropertiesAsync(run)).Select(p => p.Name[(run.Length + 3)..]).OrderDescending());

        // The same through the durable runtime: a second orchestration of the same item returns the stored outputs.
        var dup = Requests.NewId("dup");
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GenerateImageOrchestrator), item, new StartOrchestrationOptions { InstanceId = dup });
        var meta = await WaitAsync(dup);
        Assert.True(meta.ReadOutputAs<ImageResult>()!.Reused);
        Assert.Equal(before.Select(p => (p.Name, p.ETag)), (await PropertiesAsync(run)).Concat(await WorkPropertiesAsync(run)).Select(p => (p.Name, p.ETag)));
    }

    [Fact]
    public async Task A_bad_request_is_recorded_as_a_permanent_failure_without_retries()
    {
        var id = Requests.NewId("bad");
        var item = new ImageWorkItem(id, 0, Requests.Tiny() with { Steps = 0 });
        var sw = Stopwatch.StartNew();
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GenerateImageOrchestrator), item, new StartOrchestrationOptions { InstanceId = id });
        var meta = await WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        var result = meta.ReadOutputAs<ImageResult>()!;
        Assert.Contains("steps", result.Error);
        Assert.Null(result.Record);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2 * NudgeRetry.Policy.FirstRetryInterval.TotalSeconds), $"no retry back-off was waited for ({sw.Elapsed})");
        Assert.Empty(await fx.ListAsync(StorageContainers.Outputs, id + "/"));
    }

    private async Task<List<ObjectProperties>> PropertiesAsync(string run, bool withMarker = true)
    {
        var list = new List<ObjectProperties>();
        await foreach (var p in fx.Store.ListAsync(StorageContainers.Outputs, run + "/"))
        {
            if (withMarker || p.Name != OutputNames.CancelMarker(run).Name)
            {
                list.Add(p);
            }
        }

        return list;
    }

    private async Task<List<ObjectProperties>> WorkPropertiesAsync(string run)
    {
        var list = new List<ObjectProperties>();
        await foreach (var p in fx.Store.ListAsync(StorageContainers.Work, run + "/"))
        {
            list.Add(p);
        }

        return list;
    }

    private async Task<OrchestrationMetadata> WaitAsync(string id)
    {
        using var cts = new CancellationTokenSource(Timeout);
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.True(meta.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{id}: {meta.RuntimeStatus} {meta.FailureDetails}");
        return meta;
    }
}
