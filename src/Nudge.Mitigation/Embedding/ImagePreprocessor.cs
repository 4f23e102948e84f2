using System.Text.Json.Nodes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SixLabors.ImageSharp.Processing.Processors.Transforms;

namespace Nudge.Mitigation.Embedding;

/// <summary>
/// CLIP's image preprocessing from <c>preprocessor_config.json</c>: resize the shortest edge with the
/// configured resampling, centre-crop, rescale to [0, 1] and normalize with the mean and std, giving
/// planar <c>pixel_values</c>. The same code serves the tiny embedder (64 px) and CLIP ViT-L/14 (224 px, bicubic).
/// </summary>
public sealed class ImagePreprocessor
{
    private readonly float[] _mean;
    private readonly float[] _std;

    /// <summary>Creates a preprocessor from explicit settings.</summary>
    /// <param name="shortestEdge">Resize target of the shorter side (0: no resize).</param>
    /// <param name="cropHeight">Centre-crop height (0: no crop).</param>
    /// <param name="cropWidth">Centre-crop width (0: no crop).</param>
    /// <param name="rescale">Factor applied to 0–255 values.</param>
    /// <param name="mean">Per-channel mean.</param>
    /// <param name="std">Per-channel standard deviation.</param>
    /// <param name="resample">PIL resampling code: 0 nearest, 2 bilinear, 3 bicubic, 1 Lanczos.</param>
    public ImagePreprocessor(int shortestEdge, int cropHeight, int cropWidth, float rescale, float[] mean, float[] std, int resample)
    {
        ShortestEdge = shortestEdge;
        CropHeight = cropHeight;
        CropWidth = cropWidth;
        Rescale = rescale;
        _mean = mean;
        _std = std;
        Resample = resample;
    }

    /// <summary>Resize target of the shorter side.</summary>
    public int ShortestEdge { get; }

    /// <summary>Output height.</summary>
    public int CropHeight { get; }

    /// <summary>Output width.</summary>
    public int CropWidth { get; }

    /// <summary>Rescale factor (1/255).</summary>
    public float Rescale { get; }

    /// <summary>PIL resampling code.</summary>
    public int Resample { get; }

    /// <summary>Reads <c>preprocessor_config.json</c> (Hugging Face CLIPImageProcessor field names).</summary>
    /// <param name="path">The file.</param>
    /// <returns>The preprocessor.</returns>
    /// <exception cref="InvalidDataException">A field is missing or malformed.</exception>
    public static ImagePreprocessor FromFile(string path)
    {
        var j = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty");
        try
        {
            int edge = j["size"] is JsonObject so ? so["shortest_edge"]!.GetValue<int>() : j["size"]!.GetValue<int>();
            int ch, cw;
            if (j["crop_size"] is JsonObject co)
            {
                ch = co["height"]!.GetValue<int>();
                cw = co["width"]!.GetValue<int>();
            }
            else
            {
                ch = cw = j["crop_size"]?.GetValue<int>() ?? edge;
            }

            bool doResize = j["do_resize"]?.GetValue<bool>() ?? true;
            bool doCrop = j["do_center_crop"]?.GetValue<bool>() ?? true;
            bool doNormalize = j["do_normalize"]?.GetValue<bool>() ?? true;
            float rescale = (j["do_rescale"]?.GetValue<bool>() ?? true) ? (j["rescale_factor"]?.GetValue<float>() ?? (1f / 255f)) : 1f;
            float[] mean = doNormalize ? j["image_mean"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray() : [0f, 0f, 0f];
            float[] std = doNormalize ? j["image_std"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray() : [1f, 1f, 1f];
            int resample = j["resample"]?.GetValue<int>() ?? 3;
            return new ImagePreprocessor(doResize ? edge : 0, doCrop ? ch : 0, doCrop ? cw : 0, rescale, mean, std, resample);
        }
        catch (Exception ex) when (ex is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: malformed preprocessor config ({ex.Message})", ex);
        }
    }

    /// <summary>Output size (height, width) of <see cref="Process"/> for an image.</summary>
    /// <param name="width">Input width.</param>
    /// <param name="height">Input height.</param>
    /// <returns>The output size.</returns>
    public (int Height, int Width) OutputSize(int width, int height)
    {
        var (rw, rh) = ResizedSize(width, height);
        return (CropHeight > 0 ? CropHeight : rh, CropWidth > 0 ? CropWidth : rw);
    }

    /// <summary>Writes one image's planar <c>pixel_values</c>.</summary>
    /// <param name="image">The image.</param>
    /// <param name="destination">[3 × outHeight × outWidth].</param>
    public void Process(RgbImage image, Span<float> destination)
    {
        var (rw, rh) = ResizedSize(image.Width, image.Height);
        byte[] rgb = image.Rgb;
        if (rw != image.Width || rh != image.Height)
        {
            using var img = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
            img.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(rw, rh), Mode = ResizeMode.Stretch, Sampler = Sampler() }));
            rgb = new byte[rw * rh * 3];
            img.CopyPixelDataTo(rgb);
        }

        var (oh, ow) = OutputSize(image.Width, image.Height);
        int top = (rh - oh) / 2, left = (rw - ow) / 2;
        if (top < 0 || left < 0)
        {
            throw new ArgumentException($"Image {image.Width}×{image.Height} is smaller than the {ow}×{oh} crop after resizing.", nameof(image));
        }

        int plane = oh * ow;
        for (int y = 0; y < oh; y++)
        {
            for (int x = 0; x < ow; x++)
            {
                int src = (((top + y) * rw) + left + x) * 3;
                for (int c = 0; c < 3; c++)
                {
                    destination[(c * plane) + (y * ow) + x] = ((rgb[src + c] * Rescale) - _mean[c]) / _std[c];
                }
            }
        }
    }

    private (int Width, int Height) ResizedSize(int width, int height)
    {
        if (ShortestEdge <= 0)
        {
            return (width, height);
        }

        // Hugging Face: the short side becomes ShortestEdge, the long side int(edge * long / short).
        return width <= height
            ? (ShortestEdge, (int)((long)ShortestEdge * height / width))
            : ((int)((long)ShortestEdge * width / height), ShortestEdge);
    }

    private IResampler Sampler() => Resample switch
    {
        0 => KnownResamplers.NearestNeighbor,
        1 => KnownResamplers.Lanczos3,
        2 => KnownResamplers.Triangle,
        _ => KnownResamplers.Bicubic,
    };
}
