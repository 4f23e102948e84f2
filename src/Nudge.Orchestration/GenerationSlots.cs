using System.Diagnostics;

namespace Nudge.Orchestration;

/// <summary>
/// The process's generation slots: CPU/GPU-heavy work (generation, nudging, filters, moderation) runs on the thread
/// pool, at most <see cref="MaxConcurrent"/> at a time, so concurrent activities do not oversubscribe the device.
/// Waiting for a slot is bounded by <see cref="WaitLimit"/>: an activity that cannot get one in time fails with
/// <see cref="GenerationSlotsBusyException"/> and the orchestration retries it after a durable back-off, so time spent
/// queueing for the device never runs an activity into the host's function timeout.
/// Not disposable on purpose: containers that hand it out must not end it (its semaphore never allocates a wait handle).
/// </summary>
public sealed class GenerationSlots
{
    /// <summary>
    /// The default <see cref="WaitLimit"/>: 30 minutes, a quarter of the Functions app's 2-hour timeout, so a wait plus
    /// one step (first pass, filter chain or one nudge round) stays far inside it.
    /// </summary>
    public static readonly TimeSpan DefaultWaitLimit = TimeSpan.FromMinutes(30);

    private readonly SemaphoreSlim _slots;

    /// <summary>Creates the slots.</summary>
    /// <param name="maxConcurrent">Runs allowed at once (at least 1).</param>
    /// <param name="waitLimit">
    /// The longest wait for a slot (default <see cref="DefaultWaitLimit"/>); <see cref="Timeout.InfiniteTimeSpan"/> for hosts
    /// with no function timeout to stay inside (the CLI).
    /// </param>
    public GenerationSlots(int maxConcurrent = 1, TimeSpan? waitLimit = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrent, 1);
        var limit = waitLimit ?? DefaultWaitLimit;
        if (limit <= TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(waitLimit), limit, "a slot wait limit must be positive or Timeout.InfiniteTimeSpan");
        }

        MaxConcurrent = maxConcurrent;
        WaitLimit = limit;
        _slots = new SemaphoreSlim(maxConcurrent, maxConcurrent);
    }

    /// <summary>Runs allowed at once.</summary>
    public int MaxConcurrent { get; }

    /// <summary>The longest an activity waits for a slot before it fails with <see cref="GenerationSlotsBusyException"/>.</summary>
    public TimeSpan WaitLimit { get; }

    /// <summary>Runs <paramref name="work"/> in a slot.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result.</returns>
    /// <exception cref="GenerationSlotsBusyException">No slot became free within <see cref="WaitLimit"/>.</exception>
    public async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default) =>
        (await RunTimedAsync(work, cancellationToken)).Result;

    /// <summary>As <see cref="RunAsync{T}"/>, also saying how long it waited for a slot.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="work">The work.</param>
    /// <param name="cancellationToken">Cancels waiting for a slot.</param>
    /// <returns>The result and the time spent waiting for a slot (not working).</returns>
    /// <exception cref="GenerationSlotsBusyException">No slot became free within <see cref="WaitLimit"/>.</exception>
    public async Task<(T Result, TimeSpan Waited)> RunTimedAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        var sw = Stopwatch.StartNew();
        if (!await _slots.WaitAsync(WaitLimit, cancellationToken))
        {
            throw new GenerationSlotsBusyException(MaxConcurrent, WaitLimit);
        }

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
