using Microsoft.DurableTask;

namespace Nudge.Orchestration;

/// <summary>
/// The retry policy of every activity call: transient failures are retried with exponential back-off;
/// <see cref="PermanentActivityException"/> (bad input) is not retried.
/// </summary>
public static class NudgeRetry
{
    /// <summary>Attempts in all (first call included).</summary>
    public const int MaxAttempts = 4;

    /// <summary>The policy: 4 attempts, 2 s first interval, doubling, at most 30 s apart.</summary>
    public static RetryPolicy Policy { get; } = new(MaxAttempts, TimeSpan.FromSeconds(2), 2.0, TimeSpan.FromSeconds(30))
    {
        HandleFailure = failure => !IsPermanent(failure),
    };

    /// <summary>Task options with <see cref="Policy"/>.</summary>
    public static TaskOptions Activity { get; } = TaskOptions.FromRetryPolicy(Policy);

    /// <summary>Whether a failure (or its cause) is a <see cref="PermanentActivityException"/>.</summary>
    /// <param name="failure">The failure.</param>
    /// <returns>True for permanent failures.</returns>
    public static bool IsPermanent(TaskFailureDetails? failure)
    {
        for (var f = failure; f is not null; f = f.InnerFailure)
        {
            if (f.ErrorType == typeof(PermanentActivityException).FullName)
            {
                return true;
            }
        }

        return false;
    }
}
