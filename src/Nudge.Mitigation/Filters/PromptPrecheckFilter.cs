using Nudge.Indexing;

namespace Nudge.Mitigation.Filters;

/// <summary>
/// The cheapest check, before any image exists: the prompt's text embedding against the text entries
/// of the undesired index (for example the captions of memorized images). It flags; it does not block,
/// since the image may well come out clean.
/// </summary>
/// <param name="index">The undesired index.</param>
/// <param name="defaultThreshold">Threshold for entries without their own.</param>
/// <param name="evidence">How many closest entries to report when none fires.</param>
public sealed class PromptPrecheckFilter(EmbeddingIndex index, float defaultThreshold, int evidence = 3) : IGenerationFilter
{
    /// <inheritdoc />
    public string Name => "prompt";

    /// <inheritdoc />
    public FilterStage Stage => FilterStage.Prompt;

    /// <inheritdoc />
    public bool Blocking => false;

    /// <inheritdoc />
    public FilterAction Action => FilterAction.Flag;

    /// <inheritdoc />
    public FilterResult Evaluate(FilterInput input)
    {
        var matches = IndexMatching.Nearest(index, input.PromptEmbedding, IndexEntryKind.Text, defaultThreshold, evidence);
        float score = matches.Count == 0 ? -1f : matches.Max(m => m.Similarity);
        return new FilterResult(Name, score, defaultThreshold, matches.Any(m => m.Exceeds), Blocking, Action, matches, false, 0);
    }
}
