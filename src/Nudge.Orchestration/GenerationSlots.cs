using System.Diagnostics;

namespace Nudge.Orchestration;

/// <summary>
/// The process's generation slots: CPU/GPU-heavy work (generation, nudging, filters, moderation) runs on the thread
/// pool, at most <see cref="MaxConcurrent"/> at a time, so concurrent activities do not oversubscribe the device.
/// Not disposable on purpose: containers that hand it out must not end it (its semaphore never allocates a wait handle).
/// </summary>
public sealed class GenerationSlots
{
    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the slots.</summary>
    /// <param name="maxConcurrent">Runs allowed at once (at least 1).</param>
    public GenerationSlots(int maxConcurrent = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        MaxConcurrent = maxConcurrent;
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
    }

    /// <summary>Runs allowed at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>Runs <paramref name="work"/> in a slot.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result.</returns>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default) =>
        (await RunTimedAsync(work, cancellationToken)).Result;

    /// <summary>As <see cref="RunAsync{T}"/>, also saying how long it waited for a slot.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result and the time spent waiting for a slot (not working).</returns>
    public async Task<(T Result, TimeSpan Waited)> RunTimedAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        await _slots.WaitAsync(cancellationToken);
        var waited = sw.Elapsed;
        try
        {
            return (await Task.Run(work, cancellationToken), waited);
        }
        finally
        {
            _slots.Release();
        }
    }
}
