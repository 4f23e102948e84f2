namespace Nudge.Storage;

/// <summary>
/// Thrown when an operation addresses an object (or its container) that does not exist.
/// Operations that answer a yes/no question (<see cref="IObjectStore.ExistsAsync"/>,
/// <see cref="IObjectStore.DeleteAsync"/>) report absence through their result instead.
/// </summary>
public sealed class ObjectNotFoundException : Exception
{
    /// <summary>Creates the exception for <paramref name="container"/>/<paramref name="name"/>.</summary>
    /// <param name="container">The container that was addressed.</param>
    /// <param name="name">The object name that was addressed.</param>
    /// <param name="innerException">The store-specific cause, if any.</param>
    public ObjectNotFoundException(string container, string name, Exception? innerException = null)
        : base($"Object '{container}/{name}' does not exist.", innerException)
    {
        Container = container;
        Name = name;
    }

    /// <summary>The container that was addressed.</summary>
    public string Container { get; }

    /// <summary>The object name that was addressed.</summary>
    public string Name { get; }
}
