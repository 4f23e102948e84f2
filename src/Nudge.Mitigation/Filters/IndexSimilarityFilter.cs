using Nudge.Indexing;

namespace Nudge.Mitigation.Filters;

/// <summary>
/// Cosine of the input against one kind of entry of an index, each entry's own threshold overriding
/// the default (as Stable Diffusion's safety checker applies per-concept thresholds). Score: the largest
/// cosine; fires when any entry reaches its threshold; evidence: the entries above threshold, else the closest.
/// Three configurations are used: the prompt pre-check, the memorization check (the copy detector's descriptor
/// against the memorized set) and the undesired-similarity check (the embedder against concept entries).
/// </summary>
public sealed class IndexSimilarityFilter : IGenerationFilter
{
    private readonly EmbeddingIndex _index;
    private readonly IndexEntryKind _kind;
    private readonly Func<FilterInput, float[]> _query;
    private readonly float _threshold;
    private readonly int _evidence;

    private IndexSimilarityFilter(string name, FilterStage stage, bool blocking, FilterAction action, EmbeddingIndex index, IndexEntryKind kind, float threshold, int evidence, Func<FilterInput, float[]> query)
    {
        _query = query;
        Name = name;
        Stage = stage;
        Blocking = blocking;
        Action = action;
        _index = index;
        _kind = kind;
        _threshold = threshold;
        _evidence = evidence;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public FilterStage Stage { get; }

    /// <inheritdoc />
    public bool Blocking { get; }

    /// <inheritdoc />
    public FilterAction Action { get; }

    /// <summary>
    /// The cheapest check, before any image exists: the prompt's text embedding against the index's text
    /// entries (e.g. captions of memorized images). It flags and does not block: the image may come out clean.
    /// </summary>
    /// <param name="index">The undesired index.</param>
    /// <param name="threshold">Default threshold.</param>
    /// <param name="evidence">Closest entries to report when none fires.</param>
    /// <returns>The filter, named "prompt".</returns>
    public static IndexSimilarityFilter PromptPrecheck(EmbeddingIndex index, float threshold, int evidence = 3) =>
        new("prompt", FilterStage.Prompt, blocking: false, FilterAction.Flag, index, IndexEntryKind.Text, threshold, evidence, i => i.PromptEmbedding);

    /// <summary>
    /// Memorization: the image's copy descriptor against the memorized set indexed by copy descriptors, at the copy
    /// detector's calibrated threshold. Blocking, and its firing triggers the nudge.
    /// </summary>
    /// <param name="index">The index of copy descriptors.</param>
    /// <param name="threshold">Default threshold.</param>
    /// <param name="evidence">Closest entries to report when none fires.</param>
    /// <returns>The filter, named "memorized".</returns>
    public static IndexSimilarityFilter Memorized(EmbeddingIndex index, float threshold, int evidence = 3) =>
        new("memorized", FilterStage.Image, blocking: true, FilterAction.Nudge, index, IndexEntryKind.Image, threshold, evidence, i => i.CopyDescriptor);

    /// <summary>
    /// Undesired content: the image embedding against the index's image entries. Blocking, and its firing
    /// triggers the nudge. Without a copy detector it is also the memorization check.
    /// </summary>
    /// <param name="index">The undesired index.</param>
    /// <param name="threshold">Default threshold.</param>
    /// <param name="evidence">Closest entries to report when none fires.</param>
    /// <returns>The filter, named "undesired".</returns>
    public static IndexSimilarityFilter Undesired(EmbeddingIndex index, float threshold, int evidence = 3) =>
        new("undesired", FilterStage.Image, blocking: true, FilterAction.Nudge, index, IndexEntryKind.Image, threshold, evidence, i => i.ImageEmbedding);

    /// <inheritdoc />
    public FilterResult Evaluate(FilterInput input)
    {
        var matches = IndexMatching.Nearest(_index, _query(input), _kind, _threshold, _evidence);
        float score = matches.Count == 0 ? -1f : matches.Max(m => m.Similarity);
        return new FilterResult(Name, score, _threshold, matches.Any(m => m.Exceeds), Blocking, Action, matches, false, 0);
    }
}
