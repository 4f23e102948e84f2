namespace Nudge.Indexing;

/// <summary>One result of a similarity search.</summary>
/// <param name="Id">The entry's id.</param>
/// <param name="Similarity">Cosine similarity between the (normalized) query and the entry, in [-1, 1].</param>
/// <param name="Row">The entry's row in the index it was found in (valid for that <see cref="EmbeddingIndex"/> instance only).</param>
public readonly record struct SearchHit(string Id, float Similarity, int Row);
