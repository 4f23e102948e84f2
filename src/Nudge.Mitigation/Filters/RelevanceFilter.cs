namespace Nudge.Mitigation.Filters;

/// <summary>Flags an image whose embedding is too far from its prompt's: cosine below the floor.</summary>
/// <param name="floor">Smallest acceptable image–prompt cosine.</param>
public sealed class RelevanceFilter(float floor) : IGenerationFilter
{
    /// <inheritdoc />
    public string Name => "relevance";

    /// <inheritdoc />
    public FilterStage Stage => FilterStage.Image;

    /// <inheritdoc />
    public bool Blocking => false;

    /// <inheritdoc />
    public FilterAction Action => FilterAction.Flag;

    /// <inheritdoc />
    public FilterResult Evaluate(FilterInput input)
    {
        float cos = Embedding.ClipEmbedder.Cosine(input.ImageEmbedding, input.PromptEmbedding);
        return new FilterResult(Name, cos, floor, cos < floor, Blocking, Action, [], false, 0);
    }
}
