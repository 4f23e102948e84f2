namespace Nudge.Indexing;

/// <summary>Thrown when a caller requires an index to exist (<see cref="Persistence.IndexLoadOptions.RequireExists"/>) and it does not.</summary>
public sealed class IndexNotFoundException : Exception
{
    /// <summary>Creates the exception for the index <paramref name="name"/>.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="location">Where the index was looked for (container and manifest name).</param>
    public IndexNotFoundException(string name, string location)
        : base($"Embedding index '{name}' does not exist (no manifest at '{location}').")
    {
        IndexName = name;
    }

    /// <summary>The index name.</summary>
    public string IndexName { get; }
}
