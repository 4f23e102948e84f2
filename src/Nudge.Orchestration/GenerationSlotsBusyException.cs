namespace Nudge.Orchestration;

/// <summary>
/// No generation slot became free within <see cref="GenerationSlots.WaitLimit"/>. Transient: the orchestration's retry
/// policy (<see cref="NudgeRetry"/>) calls the activity again after a durable back-off that no function timeout counts.
/// </summary>
public sealed class GenerationSlotsBusyException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="slots">The slots of the process.</param>
    /// <param name="waited">How long the activity waited.</param>
    public GenerationSlotsBusyException(int slots, TimeSpan waited)
        : base($"all {slots} generation slot(s) of this worker stayed busy for {waited.TotalSeconds:0.#} s; the step is retried later")
    {
        Slots = slots;
        Waited = waited;
    }

    /// <summary>The slots of the process.</summary>
    public int Slots { get; }

    /// <summary>How long the activity waited.</summary>
    public TimeSpan Waited { get; }
}
