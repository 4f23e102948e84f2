using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Nudge.Orchestration;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// What the blob triggers do, independent of the Functions runtime: start the batch or moderation orchestration
/// for one blob version. Instance ids derive from the blob name and the event's ETag, so a duplicate event (Event Grid
/// delivers at least once) finds the instance already there and starts nothing. Moderation never writes to the
/// upload, so its ETag stays the event's. An instance that failed or was terminated does not count as done: the next
/// event or sweep starts a numbered retry of it, up to <see cref="MaxAttempts"/>.
/// </summary>
public static class BlobEventHandler
{
    /// <summary>How many instances one blob version may get when earlier ones failed.</summary>
    public const int MaxAttempts = 5;

    /// <summary>A file dropped into <c>batch-in</c>: only <c>.jsonl</c> files start a <see cref="BatchFileOrchestrator"/>.</summary>
    /// <param name="name">The blob name.</param>
    /// <param name="etag">The version's ETag.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="logger">A logger.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The instance id started or found, or null when the file is not a batch file.</returns>
    public static async Task<string?> BatchFileDroppedAsync(string name, string etag, DurableTaskClient client, ILogger logger, CancellationToken cancellationToken = default)
    {
        if (!name.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
        {
            logger.LogInformation("batch-in/{Name} is not a .jsonl file; ignored", name);
            return null;
        }

        var batchId = OutputNames.BatchId(name, etag);
        var input = new BatchInput(new BlobRef(StorageContainers.BatchIn, name), batchId, etag);
        return await StartOnceAsync(client, nameof(BatchFileOrchestrator), "batch-" + batchId, input, logger, cancellationToken);
    }

    /// <summary>A file uploaded to <c>uploads</c>: starts a <see cref="ModerateUploadOrchestrator"/>.</summary>
    /// <param name="name">The blob name.</param>
    /// <param name="etag">The version's ETag.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="logger">A logger.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The instance id started or found.</returns>
    public static Task<string?> UploadReceivedAsync(string name, string etag, DurableTaskClient client, ILogger logger, CancellationToken cancellationToken = default)
    {
        var id = "upload-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + "\n" + etag)))[..24];
        return StartOnceAsync(client, nameof(ModerateUploadOrchestrator), id, new ModerationInput(new BlobRef(StorageContainers.Uploads, name), etag), logger, cancellationToken);
    }

    private static async Task<string?> StartOnceAsync(DurableTaskClient client, string orchestrator, string id, object input, ILogger logger, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var attemptId = attempt == 0 ? id : $"{id}-retry{attempt}";
            var existing = await client.GetInstanceAsync(attemptId, getInputsAndOutputs: false, cancellationToken);
            if (existing is null)
            {
                await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input, new StartOrchestrationOptions { InstanceId = attemptId }, cancellationToken);
                logger.LogInformation("Started {Orchestrator} {Id}", orchestrator, attemptId);
                return attemptId;
            }

            if (existing.RuntimeStatus is not (OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated))
            {
                logger.LogInformation("{Orchestrator} {Id} already exists ({Status}); duplicate event ignored", orchestrator, attemptId, existing.RuntimeStatus);
                return attemptId;
            }
        }

        logger.LogError("{Orchestrator} {Id} failed {Attempts} times; not started again", orchestrator, id, MaxAttempts);
        return null;
    }
}
