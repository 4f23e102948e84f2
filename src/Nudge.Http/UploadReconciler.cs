using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Nudge.Orchestration;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// The reconciliation sweep: every upload version in <c>uploads</c> without a verdict of record gets its moderation
/// started (or, when an earlier instance failed, a retry). Events can be lost or dead-lettered, and instances can
/// fail; the sweep makes sure that no upload stays in place unjudged.
/// </summary>
public static class UploadReconciler
{
    /// <summary>Sweeps <c>uploads</c> once.</summary>
    /// <param name="store">The store.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="logger">A logger.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>How many uploads were seen, already judged, and (re)driven.</returns>
    public static async Task<UploadSweep> SweepAsync(IObjectStore store, DurableTaskClient client, ILogger logger, CancellationToken cancellationToken = default)
    {
        int seen = 0, judged = 0, driven = 0;
        await foreach (var upload in store.ListAsync(StorageContainers.Uploads, null, cancellationToken))
        {
            seen++;
            var verdict = OutputNames.Verdict(upload.Name, upload.ETag.ToString());
            if (await store.ExistsAsync(verdict.Container, verdict.Name, cancellationToken))
            {
                judged++;
                continue;
            }

            if (await BlobEventHandler.UploadReceivedAsync(upload.Name, upload.ETag.ToString(), client, logger, cancellationToken) is not null)
            {
                driven++;
            }
        }

        logger.LogInformation("Upload sweep: {Seen} uploads, {Judged} judged, {Driven} without a verdict driven", seen, judged, driven);
        return new UploadSweep(seen, judged, driven);
    }
}

/// <summary>What one sweep found.</summary>
/// <param name="Seen">Upload versions listed.</param>
/// <param name="Judged">Those with a verdict of record.</param>
/// <param name="Driven">Those without one whose moderation is now running or was started.</param>
public sealed record UploadSweep(int Seen, int Judged, int Driven);
