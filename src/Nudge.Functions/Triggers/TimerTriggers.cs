using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Nudge.Http;
using Nudge.Storage;

namespace Nudge.Functions.Triggers;

/// <summary>Timers: the upload reconciliation sweep (<see cref="UploadReconciler"/>).</summary>
public sealed class TimerTriggers(IObjectStore store, ILogger<TimerTriggers> logger)
{
    /// <summary>Every 10 minutes: drives every upload version that has no verdict of record.</summary>
    /// <param name="timer">The timer.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="cancellationToken">Cancels the sweep.</param>
    /// <returns>A task.</returns>
    [Function("SweepUploads")]
    public Task SweepUploads([TimerTrigger("0 */10 * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        UploadReconciler.SweepAsync(store, client, logger, cancellationToken);
}
