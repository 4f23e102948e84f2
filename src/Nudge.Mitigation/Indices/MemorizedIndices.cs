using Nudge.Engine.Models;
using Nudge.Indexing;
using Nudge.Indexing.Persistence;
using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Indices;

/// <summary>
/// Loads the indices a nudging pipeline reads, creating them from the model's memorized set when they do not exist
/// yet: the embedder's undesired index (caption text entries, plus the images when the model has no copy detector)
/// and, with a copy detector, the memorized index of copy descriptors. The CLI and the Functions worker both call it.
/// </summary>
public static class MemorizedIndices
{
    /// <summary>Whether the model folder ships a memorized set.</summary>
    /// <param name="model">The model.</param>
    /// <returns><see langword="true"/> when <c>memorized/memorized.jsonl</c> exists.</returns>
    public static bool Ships(StableDiffusionModel model) => File.Exists(Path.Combine(model.Folder, "memorized", "memorized.jsonl"));

    /// <summary>The embedder's undesired index, created from the memorized set when missing.</summary>
    /// <param name="store">The index store.</param>
    /// <param name="name">The index name.</param>
    /// <param name="model">The model.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="created">Told when the index was created (a line for a log or stderr), or null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The index (possibly empty).</returns>
    public static Task<EmbeddingIndex> LoadUndesiredAsync(EmbeddingIndexStore store, string name, StableDiffusionModel model, ClipEmbedder embedder,
        Action<string>? created, CancellationToken cancellationToken) =>
        LoadOrCreateAsync(store, name, model, set => MemorizedSet.ToEntries(set, embedder, model), created, cancellationToken);

    /// <summary>The memorized index of copy descriptors, created from the memorized set when missing; null without a copy detector.</summary>
    /// <param name="store">The index store.</param>
    /// <param name="name">The index name.</param>
    /// <param name="model">The model.</param>
    /// <param name="detector">The copy detector, or null.</param>
    /// <param name="created">Told when the index was created, or null.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The index, or null when there is no copy detector.</returns>
    public static async Task<EmbeddingIndex?> LoadMemorizedAsync(EmbeddingIndexStore store, string name, StableDiffusionModel model, CopyDetector? detector,
        Action<string>? created, CancellationToken cancellationToken) =>
        detector is null ? null
            : await LoadOrCreateAsync(store, name, model, set => MemorizedSet.ToCopyEntries(set, detector, model), created, cancellationToken).ConfigureAwait(false);

    private static async Task<EmbeddingIndex> LoadOrCreateAsync(EmbeddingIndexStore store, string name, StableDiffusionModel model,
        Func<IReadOnlyList<MemorizedImage>, IReadOnlyList<IndexEntry>> entries, Action<string>? created, CancellationToken cancellationToken)
    {
        var index = await store.LoadAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (index.Exists || !Ships(model))
        {
            return index;
        }

        var fresh = entries(MemorizedSet.Read(model.Folder));
        await store.AddAsync(name, fresh, cancellationToken).ConfigureAwait(false);
        created?.Invoke($"created index '{name}' from {Path.Combine(model.Folder, "memorized")} ({fresh.Count} entries)");
        return await store.LoadAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
