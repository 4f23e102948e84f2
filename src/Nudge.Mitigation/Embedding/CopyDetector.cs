using System.Text.Json.Nodes;
using Nudge.Engine.Models;

namespace Nudge.Mitigation.Embedding;

/// <summary>
/// Runs the model's <c>copy_detector/</c>: an SSCD-style descriptor whose cosine says whether one image is an edited
/// copy of another (colour changes, blur, noise, small shifts and crops, a VAE round trip) rather than a new image of
/// the same subject. The memorization filter uses it instead of the embedder, so the model the nudge steers by and the
/// model that judges copies are different. Works with the tiny detector and a real SSCD export (see
/// <see cref="CopyDetectorComponents"/>). Thread-safe.
/// </summary>
public sealed class CopyDetector
{
    /// <summary>SSCD's customary copy threshold on descriptor cosine, used when the folder has no calibrated one.</summary>
    public const float SscdDefaultThreshold = 0.5f;

    private readonly CopyDetectorComponents _parts;
    private long _runTicks;

    /// <summary>Creates the detector for a loaded model.</summary>
    /// <param name="model">A model whose folder has <c>copy_detector/</c>.</param>
    /// <exception cref="InvalidOperationException">The model has no copy detector.</exception>
    /// <exception cref="InvalidDataException">Its config is malformed.</exception>
    public CopyDetector(StableDiffusionModel model)
    {
        _parts = model.CopyDetector ?? throw new InvalidOperationException($"{model.Folder} has no copy_detector/ folder.");
        Preprocessor = _parts.PreprocessorConfigPath is { } pre
            ? ImagePreprocessor.FromFile(pre)
            : new ImagePreprocessor(288, 0, 0, 1f / 255f, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], 2);
        (Threshold, Calibrated) = ReadThreshold(_parts.ConfigPath);
        int d = _parts.Model.OutputDimensions(_parts.OutputName)[^1];
        Dimension = d > 0 ? d : Describe([new RgbImage(new byte[64 * 64 * 3], 64, 64)])[0].Length;
    }

    /// <summary>Descriptor dimension.</summary>
    public int Dimension { get; }

    /// <summary>The copy threshold on descriptor cosine: the calibrated one from <c>config.json</c>, else <see cref="SscdDefaultThreshold"/>.</summary>
    public float Threshold { get; }

    /// <summary>Whether <see cref="Threshold"/> was calibrated for this detector (read from its config).</summary>
    public bool Calibrated { get; }

    /// <summary>The image preprocessing.</summary>
    public ImagePreprocessor Preprocessor { get; }

    /// <summary>Total time spent in the detector's ONNX Runtime <c>Run</c> calls.</summary>
    public TimeSpan RunTime => TimeSpan.FromTicks(Interlocked.Read(ref _runTicks));

    /// <summary>L2-normalized copy descriptors.</summary>
    /// <param name="images">Images of any size (resized as configured).</param>
    /// <returns>One unit vector per image.</returns>
    public float[][] Describe(IReadOnlyList<RgbImage> images) =>
        OrtCalls.DescribeImages(Preprocessor, _parts.Model, _parts.OutputName, images, ref _runTicks);

    private static (float Threshold, bool Calibrated) ReadThreshold(string? path)
    {
        if (path is null)
        {
            return (SscdDefaultThreshold, false);
        }

        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path))?["threshold"];
            if (node is null)
            {
                return (SscdDefaultThreshold, false);
            }

            float t = node.GetValue<float>();
            return t is > -1f and < 1f ? (t, true) : throw new InvalidDataException($"{path}: threshold must be a cosine between -1 and 1 (is {t})");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed copy detector config ({ex.Message})", ex);
        }
    }
}
