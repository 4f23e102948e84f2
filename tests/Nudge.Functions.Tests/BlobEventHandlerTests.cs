using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Nudge.Functions.Api;
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
        Assert.True(await fx.Store.ExistsAsync(StorageContainers.Moderation, name + ".json"));
    }

    private Task<Azure.ETag> WriteAsync(string container, string name, string text) =>
        fx.Store.WriteAsync(container, name, System.Text.Encoding.UTF8.GetBytes(text));
}
