namespace Nudge.Orchestration;

/// <summary>
/// A failure that retrying cannot fix (bad input, a missing source object). Activities throw it; the retry
/// policy in <see cref="NudgeRetry"/> does not retry it, and orchestrators record it instead of failing.
/// </summary>
public sealed class PermanentActivityException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What is wrong, in words.</param>
    /// <param name="innerException">The cause, or null.</param>
    public PermanentActivityException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
