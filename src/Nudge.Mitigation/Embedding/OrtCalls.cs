using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Nudge.Engine.Models;

namespace Nudge.Mitigation.Embedding;

/// <summary>The ONNX Runtime calls the embedder and the copy detector share: float or float16 in, unit vectors out.</summary>
internal static class OrtCalls
{
    /// <summary>Runs a session for one output and returns it as float32, adding the run time to <paramref name="ticks"/>.</summary>
    public static float[] Run(InferenceSession session, IReadOnlyCollection<string> names, IReadOnlyCollection<OrtValue> values, string output, ref long ticks)
    {
        var sw = Stopwatch.StartNew();
        using var ro = new RunOptions();
        using var results = session.Run(ro, names, values, [output]);
        Interlocked.Add(ref ticks, sw.Elapsed.Ticks);
        var r = results[0];
        return r.GetTensorTypeAndShape().ElementDataType == TensorElementType.Float16
            ? r.GetTensorDataAsSpan<Float16>().ToArray().Select(v => (float)v).ToArray()
            : r.GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>A float32 buffer as the element type the graph declares.</summary>
    public static OrtValue ToModel(TensorElementType type, float[] data, long[] shape) =>
        type == TensorElementType.Float16
            ? OrtValue.CreateTensorValueFromMemory(data.Select(v => (Float16)v).ToArray(), shape)
            : OrtValue.CreateTensorValueFromMemory(data, shape);

    /// <summary>Splits [count × d] into L2-normalized rows.</summary>
    public static float[][] Normalize(float[] flat, int count)
    {
        int d = flat.Length / count;
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            var v = flat.AsSpan(i * d, d).ToArray();
            float norm = TensorPrimitives.Norm(v);
            TensorPrimitives.Divide(v, norm > 0 ? norm : 1f, v);
            result[i] = v;
        }

        return result;
    }

    /// <summary>
    /// Unit vectors of images from a vision graph whose input is <c>pixel_values</c>: one batched call when the images
    /// preprocess to one size, else one call per image. Adds the run time to <paramref name="ticks"/>.
    /// </summary>
    public static float[][] DescribeImages(ImagePreprocessor preprocessor, OnnxComponent graph, string output, IReadOnlyList<RgbImage> images, ref long ticks)
    {
        if (images.Count == 0)
        {
            return [];
        }

        var (h, w) = preprocessor.OutputSize(images[0].Width, images[0].Height);
        if (images.Any(i => preprocessor.OutputSize(i.Width, i.Height) != (h, w)))
        {
            var each = new float[images.Count][];
            for (int i = 0; i < images.Count; i++)
            {
                each[i] = DescribeImages(preprocessor, graph, output, [images[i]], ref ticks)[0];
            }

            return each;
        }

        int per = 3 * h * w;
        var pixels = new float[images.Count * per];
        for (int i = 0; i < images.Count; i++)
        {
            preprocessor.Process(images[i], pixels.AsSpan(i * per, per));
        }

        using var value = ToModel(graph.InputType("pixel_values"), pixels, [images.Count, 3, h, w]);
        return Normalize(Run(graph.Session, ["pixel_values"], [value], output, ref ticks), images.Count);
    }
}
