using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Nudge.Http;

namespace Nudge.Functions.Triggers;

/// <summary>
/// The blob triggers (Event Grid source, connection <c>NudgeStorage</c>); the names are the ones the deployment's
/// Event Grid subscriptions call. They read the blob's ETag and delegate to <see cref="BlobEventHandler"/>.
/// </summary>
public sealed class BlobTriggers(ILogger<BlobTriggers> logger)
{
    /// <summary>A file in <c>batch-in</c> (the subscription filters <c>*.jsonl</c>; the handler checks again).</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="name">Its name.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    [Function("BatchFileDropped")]
    public async Task BatchFileDropped(
        [BlobTrigger("batch-in/{name}", Source = BlobTriggerSource.EventGrid, Connection = "NudgeStorage")] BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var props = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        await BlobEventHandler.BatchFileDroppedAsync(name, props.Value.ETag.ToString(), client, logger, cancellationToken);
    }

    /// <summary>A file in <c>uploads</c>.</summary>
    /// <param name="blob">The blob.</param>
    /// <param name="name">Its name.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    [Function("UploadReceived")]
    public async Task UploadReceived(
        [BlobTrigger("uploads/{name}", Source = BlobTriggerSource.EventGrid, Connection = "NudgeStorage")] BlobClient blob,
        string name,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken)
    {
        var props = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        await BlobEventHandler.UploadReceivedAsync(name, props.Value.ETag.ToString(), client, logger, cancellationToken);
    }
}
