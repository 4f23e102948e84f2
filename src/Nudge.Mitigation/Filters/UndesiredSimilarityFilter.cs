using Nudge.Indexing;

namespace Nudge.Mitigation.Filters;

/// <summary>
/// Memorization / undesired-content check: the image embedding's cosine with every image entry of the
/// undesired index. It fires when any entry reaches its own threshold (or the default), as Stable
/// Diffusion's safety checker applies per-concept thresholds. Score: the largest cosine.
/// </summary>
/// <param name="index">The undesired index.</param>
/// <param name="defaultThreshold">Threshold for entries without their own.</param>
/// <param name="evidence">How many closest entries to report when none fires.</param>
public sealed class UndesiredSimilarityFilter(EmbeddingIndex index, float defaultThreshold, int evidence = 3) : IGenerationFilter
{
    /// <inheritdoc />
    public string Name => "undesired";

    /// <inheritdoc />
    public FilterStage Stage => FilterStage.Image;

    /// <inheritdoc />
    public bool Blocking => true;

    /// <inheritdoc />
    public FilterAction Action => FilterAction.Nudge;

    /// <inheritdoc />
    public FilterResult Evaluate(FilterInput input)
    {
        var matches = IndexMatching.Nearest(index, input.ImageEmbedding, IndexEntryKind.Image, defaultThreshold, evidence);
        float score = matches.Count == 0 ? -1f : matches.Max(m => m.Similarity);
        return new FilterResult(Name, score, defaultThreshold, matches.Any(m => m.Exceeds), Blocking, Action, matches, false, 0);
    }
}
