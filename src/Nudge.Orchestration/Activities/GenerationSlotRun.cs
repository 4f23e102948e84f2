using Nudge.Engine.Generation;

namespace Nudge.Orchestration.Activities;

/// <summary>
/// Runs a generate or nudge step of one image in a generation slot and stops it when its generation is cancelled:
/// the marker is checked before waiting for the slot, watched while waiting and during rounds that report no
/// progress, and probed between denoising steps from the generation thread itself, which a busy thread pool cannot
/// starve. A cancelled step throws <see cref="PermanentActivityException"/>.
/// </summary>
internal static class GenerationSlotRun
{
    /// <summary>Runs <paramref name="work"/>.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="store">The store the cancel marker is in.</param>
    /// <param name="slots">The process's generation slots.</param>
    /// <param name="item">The image.</param>
    /// <param name="work">The step, given the progress probe and the token that the cancel marker cancels.</param>
    /// <param name="cancellationToken">The host's token.</param>
    /// <returns>The result and the time spent waiting for the slot.</returns>
    public static async Task<(T Result, TimeSpan Waited)> RunAsync<T>(Nudge.Storage.IObjectStore store, GenerationSlots slots, ImageWorkItem item,
        Func<IProgress<GenerationProgress>, CancellationToken, T> work, CancellationToken cancellationToken)
    {
        if (await CancellationMarker.IsSetAsync(store, item.RunId, cancellationToken))
        {
            throw new PermanentActivityException($"generation {item.RunId} was cancelled; image {item.Index} was not made");
        }

        using var cancelled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var finished = new CancellationTokenSource();
        var watch = CancellationMarker.WatchAsync(store, item.RunId, cancelled, finished.Token);
        try
        {
            return await slots.RunTimedAsync(() => work(CancellationMarker.Probe(store, item.RunId, cancelled), cancelled.Token), cancelled.Token);
        }
        catch (ArgumentException ex)
        {
            throw new PermanentActivityException($"invalid request: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (cancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PermanentActivityException($"generation {item.RunId} was cancelled; image {item.Index} stopped before it was finished", ex);
        }
        finally
        {
            await finished.CancelAsync();
            await watch;
        }
    }
}
