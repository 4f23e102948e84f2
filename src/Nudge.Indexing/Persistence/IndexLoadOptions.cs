namespace Nudge.Indexing.Persistence;

/// <summary>Options for <see cref="EmbeddingIndexStore.LoadAsync"/>.</summary>
public sealed class IndexLoadOptions
{
    /// <summary>Whether to load the VAE latents of image entries (they can be far larger than the embeddings). Default <see langword="true"/>.</summary>
    public bool IncludeLatents { get; set; } = true;

    /// <summary>
    /// Whether a missing index is an error (<see cref="IndexNotFoundException"/>) rather than an empty index with
    /// <see cref="EmbeddingIndex.Exists"/> = <see langword="false"/>. Default <see langword="false"/>.
    /// </summary>
    public bool RequireExists { get; set; }

    /// <summary>
    /// Whether to search through the snapshot's proximity graph when one was built for it
    /// (<see cref="EmbeddingIndexStore.BuildGraphAsync"/>). Default <see langword="true"/>; <see langword="false"/> searches exactly.
    /// </summary>
    public bool UseGraph { get; set; } = true;

    /// <summary>
    /// Search settings for the graph (<see cref="Approximate.ApproximateSearchOptions.ExpansionSearch"/> and
    /// <see cref="Approximate.ApproximateSearchOptions.CandidatesPerHit"/>); <see langword="null"/> for those recorded when it was built.
    /// </summary>
    public Approximate.ApproximateSearchOptions? GraphSearch { get; set; }
}
