using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nudge.Engine.Models;

namespace Nudge.Mitigation.Embedding;

/// <summary>
/// Runs the model's <c>embedder/</c> dual encoder: preprocessing from <c>preprocessor_config.json</c>, then
/// L2-normalized <c>image_embeds</c> and <c>text_embeds</c>. Works with the tiny embedder and with a real
/// CLIP ViT-L/14 export. Thread-safe.
/// </summary>
public sealed class ClipEmbedder
{
    private readonly StableDiffusionModel _model;
    private readonly EmbedderComponents _parts;
    private long _runTicks;

    /// <summary>Creates the embedder for a loaded model.</summary>
    /// <param name="model">A model whose folder has <c>embedder/</c>.</param>
    /// <exception cref="InvalidOperationException">The model has no embedder.</exception>
    public ClipEmbedder(StableDiffusionModel model)
    {
        _model = model;
        _parts = model.Embedder ?? throw new InvalidOperationException($"{model.Folder} has no embedder/ folder; filters and nudging need one.");
        Preprocessor = ImagePreprocessor.FromFile(_parts.PreprocessorConfigPath);
        Projection = _parts.TextProjectionPath is null ? null : TextProjection.FromFile(_parts.TextProjectionPath);
        Dimension = _parts.Vision.Session.OutputMetadata["image_embeds"].Dimensions[^1];
    }

    /// <summary>Joint embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>The image preprocessing.</summary>
    public ImagePreprocessor Preprocessor { get; }

    /// <summary>The text projection (hidden state → joint space), or null when the model has none.</summary>
    public TextProjection? Projection { get; }

    /// <summary>Total time spent in the embedder's ONNX Runtime <c>Run</c> calls.</summary>
    public TimeSpan RunTime => TimeSpan.FromTicks(Interlocked.Read(ref _runTicks));

    /// <summary>L2-normalized image embeddings.</summary>
    /// <param name="images">Images of any size (resized and cropped as configured).</param>
    /// <returns>One unit vector per image.</returns>
    public float[][] EmbedImages(IReadOnlyList<RgbImage> images) =>
        OrtCalls.DescribeImages(Preprocessor, _parts.Vision, "image_embeds", images, ref _runTicks);

    /// <summary>L2-normalized text embeddings of prompts.</summary>
    /// <param name="texts">The prompts.</param>
    /// <returns>One unit vector per prompt.</returns>
    public float[][] EmbedTexts(IReadOnlyList<string> texts)
    {
        if (texts.Count == 0)
        {
            return [];
        }

        var text = _parts.Text;
        var ids = texts.Select(t => _model.Tokenizer.EncodeForModel(t)).ToArray();
        int len = ids[0].Length;
        var names = new List<string> { "input_ids" };
        var values = new List<OrtValue> { Ids(text.InputType("input_ids"), ids, len, ones: false) };
        if (text.HasInput("attention_mask"))
        {
            names.Add("attention_mask");
            values.Add(Ids(text.InputType("attention_mask"), ids, len, ones: true));
        }

        try
        {
            return OrtCalls.Normalize(OrtCalls.Run(text.Session, names, values, "text_embeds", ref _runTicks), texts.Count);
        }
        finally
        {
            foreach (var v in values)
            {
                v.Dispose();
            }
        }
    }

    /// <summary>Cosine of two unit vectors.</summary>
    /// <param name="a">A unit vector.</param>
    /// <param name="b">A unit vector.</param>
    /// <returns>Their dot product.</returns>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Dot(a, b);

    private static OrtValue Ids(TensorElementType type, int[][] ids, int len, bool ones)
    {
        if (type == TensorElementType.Int32)
        {
            var flat = ones ? Enumerable.Repeat(1, ids.Length * len).ToArray() : ids.SelectMany(r => r).ToArray();
            return OrtValue.CreateTensorValueFromMemory(flat, [ids.Length, len]);
        }

        var longs = ones ? Enumerable.Repeat(1L, ids.Length * len).ToArray() : ids.SelectMany(r => r.Select(v => (long)v)).ToArray();
        return OrtValue.CreateTensorValueFromMemory(longs, [ids.Length, len]);
    }
}
