using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Nudge.Http;
using Nudge.Orchestration;
using Nudge.Storage;

namespace Nudge.Functions.Tests;

[Collection(HostCollection.Name)]
public sealed class BlobEventHandlerTests(HostFixture fx)
{
    [Fact]
    public async Task Only_jsonl_files_in_batch_in_start_a_batch()
    {
        var id = await BlobEventHandler.BatchFileDroppedAsync("notes.txt", "\"0x1\"", fx.Host.Client, NullLogger.Instance);
        Assert.Null(id);
    }

    [Fact]
    public async Task A_dropped_batch_file_starts_one_batch_even_when_the_event_comes_twice()
    {
        var name = $"fn-{Guid.NewGuid():N}.jsonl";
        var props = await WriteAsync(StorageContainers.BatchIn, name, """{"prompt": "a red circle", "steps": 2}""" + "\n");

        var first = await BlobEventHandler.BatchFileDroppedAsync(name, props.ToString(), fx.Host.Client, NullLogger.Instance);
        var second = await BlobEventHandler.BatchFileDroppedAsync(name, props.ToString(), fx.Host.Client, NullLogger.Instance);

        Assert.NotNull(first);
        Assert.Equal(first, second);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(first, getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        var batchId = meta.ReadInputAs<BatchInput>()!.BatchId;
        Assert.True(await fx.Store.ExistsAsync(StorageContainers.BatchOut, $"{batchId}/manifest.json"));
    }

    [Fact]
    public async Task An_upload_starts_its_moderation()
    {
        var name = $"fn-{Guid.NewGuid():N}.txt";
        var etag = await WriteAsync(StorageContainers.Uploads, name, "not an image");

        var id = await BlobEventHandler.UploadReceivedAsync(name, etag.ToString(), fx.Host.Client, NullLogger.Instance);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(id!, getInputsAndOutputs: true, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        var verdict = OutputNames.Verdict(name, etag.ToString());
        Assert.True(await fx.Store.ExistsAsync(verdict.Container, verdict.Name));
    }

    [Fact]
    public async Task A_terminated_moderation_does_not_count_as_done_and_the_next_event_retries_it()
    {
        var name = $"fn-{Guid.NewGuid():N}.txt";
        var etag = (await WriteAsync(StorageContainers.Uploads, name, "not an image")).ToString();
        var first = await BlobEventHandler.UploadReceivedAsync(name, etag, fx.Host.Client, NullLogger.Instance);
        await fx.Host.Client.TerminateInstanceAsync(first!, "simulated failure");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var terminated = await fx.Host.Client.WaitForInstanceCompletionAsync(first!, cts.Token);

        var second = await BlobEventHandler.UploadReceivedAsync(name, etag, fx.Host.Client, NullLogger.Instance);
        var third = await BlobEventHandler.UploadReceivedAsync(name, etag, fx.Host.Client, NullLogger.Instance);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated.RuntimeStatus);
        Assert.Equal(first + "-retry1", second);
        Assert.Equal(second, third);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await fx.Host.Client.WaitForInstanceCompletionAsync(second!, cts.Token)).RuntimeStatus);
    }

    [Fact]
    public async Task The_sweep_drives_every_upload_without_a_verdict_once()
    {
        var name = $"sweep-{Guid.NewGuid():N}.txt";
        var etag = (await WriteAsync(StorageContainers.Uploads, name, "an upload whose event was lost")).ToString();

        var sweep = await UploadReconciler.SweepAsync(fx.Store, fx.Host.Client, NullLogger.Instance);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var verdict = OutputNames.Verdict(name, etag);
        while (!await fx.Store.ExistsAsync(verdict.Container, verdict.Name))
        {
            await Task.Delay(100, cts.Token);
        }

        Assert.True(sweep.Driven >= 1, $"{sweep}");
        Assert.True(await fx.Store.ExistsAsync(verdict.Container, verdict.Name));
    }

    private Task<Azure.ETag> WriteAsync(string container, string name, string text) =>
        fx.Store.WriteAsync(container, name, System.Text.Encoding.UTF8.GetBytes(text));
}
