namespace Nudge.Orchestration.Hosting;

/// <summary>Waiting for an instance with progress reports, the same way on every backend.</summary>
public static class LocalDurableHostExtensions
{
    /// <summary>
    /// Polls an instance until it finishes, reporting each change of its state. Polling (not a backend's own
    /// wait call) keeps progress visible and tolerates a storage outage: a failed poll is reported and retried
    /// until <paramref name="timeout"/>.
    /// </summary>
    /// <param name="host">The host.</param>
    /// <param name="instanceId">The instance id.</param>
    /// <param name="timeout">How long to wait at most.</param>
    /// <param name="progress">Receives every new state, or null.</param>
    /// <param name="pollInterval">Time between polls (default 250 ms).</param>
    /// <param name="cancellationToken">Cancels waiting (not the instance).</param>
    /// <returns>The finished state.</returns>
    /// <exception cref="TimeoutException">The instance did not finish in time.</exception>
    public static async Task<DurableRunState> WaitForFinishAsync(this ILocalDurableHost host, string instanceId, TimeSpan timeout,
        IProgress<DurableRunState>? progress = null, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var interval = pollInterval ?? TimeSpan.FromMilliseconds(250);
        var deadline = DateTime.UtcNow + timeout;
        DurableRunState? last = null;
        Exception? lastError = null;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            DurableRunState state;
            try
            {
                state = await host.GetStateAsync(instanceId, cancellationToken);
                lastError = null;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The backend's storage may be briefly unreachable; the instance survives that, so keep polling.
                lastError = ex;
                await Task.Delay(interval, cancellationToken);
                continue;
            }

            if (state != last)
            {
                progress?.Report(state);
                last = state;
            }

            if (state.IsFinished)
            {
                return state;
            }

            await Task.Delay(interval, cancellationToken);
        }

        throw new TimeoutException($"orchestration {instanceId} did not finish within {timeout} on the {host.Backend} backend"
            + (last is null ? "" : $" (last status {last.Status}, {last.SerializedCustomStatus})")
            + (lastError is null ? "" : $"; last poll failed: {lastError.Message}"));
    }
}
