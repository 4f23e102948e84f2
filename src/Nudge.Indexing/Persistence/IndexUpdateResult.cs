namespace Nudge.Indexing.Persistence;

/// <summary>The outcome of a committed <see cref="EmbeddingIndexStore.AddAsync"/> or <see cref="EmbeddingIndexStore.RemoveAsync"/>.</summary>
/// <param name="Name">The index name.</param>
/// <param name="Generation">The manifest generation after the update (unchanged when nothing changed).</param>
/// <param name="Count">The number of entries after the update.</param>
/// <param name="Added">Entries added by this call.</param>
/// <param name="Removed">Entries removed by this call (including entries replaced by an add).</param>
public sealed record IndexUpdateResult(string Name, long Generation, int Count, int Added, int Removed);
