using Nudge.Indexing;

namespace Nudge.Mitigation.Filters;

/// <summary>Exact nearest entries of one kind in an index, with each entry's own threshold applied.</summary>
internal static class IndexMatching
{
    public static List<FilterMatch> Nearest(EmbeddingIndex index, float[] query, IndexEntryKind kind, float defaultThreshold, int evidence)
    {
        if (index.Count == 0)
        {
            return [];
        }

        // Kinds share one index; scan enough rows that the best of the wanted kind are all in view.
        int k = index.Count <= 4096 ? index.Count : Math.Min(index.Count, 256);
        var matches = new List<FilterMatch>();
        foreach (var hit in index.Search(query, k))
        {
            var entry = index.Entries[hit.Row];
            if (entry.Kind != kind)
            {
                continue;
            }

            matches.Add(new FilterMatch(entry.Id, hit.Similarity, entry.Threshold ?? defaultThreshold));
        }

        // Above-threshold entries first, then the closest, so the report shows why it fired.
        return [.. matches.OrderByDescending(m => m.Exceeds).ThenByDescending(m => m.Similarity).Take(Math.Max(evidence, matches.Count(m => m.Exceeds)))];
    }
}
