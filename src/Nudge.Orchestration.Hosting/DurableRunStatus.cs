namespace Nudge.Orchestration.Hosting;

/// <summary>Where an orchestration instance stands, in the same words on every backend.</summary>
public enum DurableRunStatus
{
    /// <summary>No such instance.</summary>
    Unknown,

    /// <summary>Scheduled, not started.</summary>
    Pending,

    /// <summary>Running.</summary>
    Running,

    /// <summary>Finished with an output.</summary>
    Completed,

    /// <summary>Failed; <see cref="DurableRunState.FailureMessage"/> says why.</summary>
    Failed,

    /// <summary>Terminated.</summary>
    Terminated,

    /// <summary>Suspended.</summary>
    Suspended,
}
