using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Filters;

/// <summary>
/// What the filters look at: the prompt and, for image filters, the image. Embeddings are computed
/// once on first use and shared by every filter that needs them, so a chain pays for each network once.
/// </summary>
public sealed class FilterInput
{
    private readonly ClipEmbedder _embedder;
    private float[]? _promptEmbedding;
    private float[]? _imageEmbedding;
    private float[]? _copyDescriptor;

    /// <summary>Creates the input.</summary>
    /// <param name="embedder">The embedder.</param>
    /// <param name="prompt">The prompt.</param>
    /// <param name="image">The image, or null at the prompt stage.</param>
    /// <param name="pixels">The decoded planar image before quantization ([3 × H × W]), or null.</param>
    /// <param name="promptEmbedding">The prompt's text embedding when already known.</param>
    /// <param name="copyDetector">The copy detector, or null when the model has none.</param>
    public FilterInput(ClipEmbedder embedder, string prompt, RgbImage? image = null, float[]? pixels = null, float[]? promptEmbedding = null, CopyDetector? copyDetector = null)
    {
        _embedder = embedder;
        CopyDetector = copyDetector;
        Prompt = prompt;
        Image = image;
        Pixels = pixels;
        _promptEmbedding = promptEmbedding;
    }

    /// <summary>The prompt.</summary>
    public string Prompt { get; }

    /// <summary>The image (null at the prompt stage).</summary>
    public RgbImage? Image { get; }

    /// <summary>The decoded planar image before quantization, when available.</summary>
    public float[]? Pixels { get; }

    /// <summary>The prompt's unit text embedding.</summary>
    public float[] PromptEmbedding => _promptEmbedding ??= _embedder.EmbedTexts([Prompt])[0];

    /// <summary>The image's unit embedding.</summary>
    public float[] ImageEmbedding => _imageEmbedding ??= _embedder.EmbedImages([Image ?? throw new InvalidOperationException("No image at the prompt stage.")])[0];

    /// <summary>The copy detector, or null when the model has none.</summary>
    public CopyDetector? CopyDetector { get; }

    /// <summary>The image's unit copy descriptor.</summary>
    public float[] CopyDescriptor => _copyDescriptor ??= (CopyDetector ?? throw new InvalidOperationException("The model has no copy detector."))
        .Describe([Image ?? throw new InvalidOperationException("No image at the prompt stage.")])[0];

    /// <summary>Whether the image embedding was computed (for cost accounting).</summary>
    public bool HasImageEmbedding => _imageEmbedding is not null;

    /// <summary>Provides a precomputed image embedding (e.g. from a batched embedder call).</summary>
    /// <param name="embedding">A unit vector.</param>
    public void SetImageEmbedding(float[] embedding) => _imageEmbedding = embedding;
}
