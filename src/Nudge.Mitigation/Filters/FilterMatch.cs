namespace Nudge.Mitigation.Filters;

/// <summary>Evidence: an index entry that an input resembles.</summary>
/// <param name="EntryId">The entry's id.</param>
/// <param name="Similarity">Cosine similarity.</param>
/// <param name="Threshold">The threshold that applied to this entry.</param>
public sealed record FilterMatch(string EntryId, float Similarity, float Threshold)
{
    /// <summary>Whether the similarity reaches the threshold.</summary>
    public bool Exceeds => Similarity >= Threshold;
}
