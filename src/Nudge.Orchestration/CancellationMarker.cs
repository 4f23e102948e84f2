using Nudge.Storage;

namespace Nudge.Orchestration;

/// <summary>
/// A generation's cancel request, as a blob beside its outputs (<see cref="OutputNames.CancelMarker"/>). Terminating
/// an orchestration does not stop activities already running, so the image activity watches for this marker and
/// stops between denoising steps; it is also checked before waiting for the generation slot.
/// </summary>
public static class CancellationMarker
{
    /// <summary>How often a running activity looks for the marker.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Records that a generation was cancelled (write-if-absent; repeating it is harmless).</summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task.</returns>
    public static Task WriteAsync(IObjectStore store, string runId, CancellationToken cancellationToken = default)
    {
        var marker = OutputNames.CancelMarker(runId);
        var json = System.Text.Encoding.UTF8.GetBytes($"{{\"cancelled_at\": \"{DateTimeOffset.UtcNow:O}\"}}\n");
        return store.WriteIfAbsentAsync(marker.Container, marker.Name, json, "application/json", null, cancellationToken);
    }

    /// <summary>Whether a generation was cancelled.</summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>True when its marker exists.</returns>
    public static Task<bool> IsSetAsync(IObjectStore store, string runId, CancellationToken cancellationToken = default)
    {
        var marker = OutputNames.CancelMarker(runId);
        return store.ExistsAsync(marker.Container, marker.Name, cancellationToken);
    }

    /// <summary>Cancels <paramref name="source"/> as soon as the marker appears; returns when it does or when <paramref name="stop"/> fires.</summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="source">What to cancel.</param>
    /// <param name="stop">Ends the watch (the work finished).</param>
    /// <returns>A task.</returns>
    public static async Task WatchAsync(IObjectStore store, string runId, CancellationTokenSource source, CancellationToken stop)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                if (await IsSetAsync(store, runId, stop))
                {
                    await source.CancelAsync();
                    return;
                }

                await Task.Delay(PollInterval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The work finished first.
        }
    }

    /// <summary>
    /// A progress sink that looks for the marker from the generation thread itself, at most every
    /// <see cref="PollInterval"/>, and cancels <paramref name="source"/> when it appears. The asynchronous watch alone
    /// was seen to be starved for seconds while the thread pool was busy with a first run.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="runId">The generation instance id.</param>
    /// <param name="source">What to cancel.</param>
    /// <returns>The sink to pass as the pipeline's progress.</returns>
    public static IProgress<Nudge.Engine.Generation.GenerationProgress> Probe(IObjectStore store, string runId, CancellationTokenSource source) =>
        new ProbeSink(store, runId, source);

    private sealed class ProbeSink(IObjectStore store, string runId, CancellationTokenSource source) : IProgress<Nudge.Engine.Generation.GenerationProgress>
    {
        private readonly System.Diagnostics.Stopwatch _sinceCheck = System.Diagnostics.Stopwatch.StartNew();

        public void Report(Nudge.Engine.Generation.GenerationProgress value)
        {
            if (_sinceCheck.Elapsed < PollInterval || source.IsCancellationRequested)
            {
                return;
            }

            _sinceCheck.Restart();
            if (IsSetAsync(store, runId).GetAwaiter().GetResult())
            {
                source.Cancel();
            }
        }
    }
}
