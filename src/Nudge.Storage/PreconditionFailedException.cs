namespace Nudge.Storage;

/// <summary>
/// Thrown when a conditional operation (<c>ifMatch</c>) finds the object at another version, or gone.
/// The usual reaction is to read the object again and retry the update.
/// </summary>
public sealed class PreconditionFailedException : Exception
{
    /// <summary>Creates the exception for <paramref name="container"/>/<paramref name="name"/>.</summary>
    /// <param name="container">The container that was addressed.</param>
    /// <param name="name">The object name that was addressed.</param>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="innerException">The store-specific cause, if any.</param>
    public PreconditionFailedException(string container, string name, string message, Exception? innerException = null)
        : base($"Precondition failed for '{container}/{name}': {message}", innerException)
    {
        Container = container;
        Name = name;
    }

    /// <summary>The container that was addressed.</summary>
    public string Container { get; }

    /// <summary>The object name that was addressed.</summary>
    public string Name { get; }
}
