using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;

namespace Nudge.Engine.Generation;

/// <summary>Encodes images into the UNet's latent space with the VAE encoder (posterior mean × scaling factor).</summary>
public static class LatentEncoder
{
    /// <summary>Whether an image of this size can be encoded: both sides a multiple of the VAE factor, and a VAE encoder present.</summary>
    /// <param name="model">The model.</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>True when <see cref="Encode"/> accepts the size.</returns>
    public static bool CanEncode(StableDiffusionModel model, int width, int height) =>
        model.VaeEncoder is not null && width % model.VaeScaleFactor == 0 && height % model.VaeScaleFactor == 0;

    /// <summary>The latent shape [4, height/f, width/f] for an image of this size.</summary>
    /// <param name="model">The model (its <see cref="StableDiffusionModel.VaeScaleFactor"/> f).</param>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <returns>Channels, latent height, latent width.</returns>
    public static int[] LatentShape(StableDiffusionModel model, int width, int height) =>
        [StableDiffusionModel.LatentChannels, height / model.VaeScaleFactor, width / model.VaeScaleFactor];

    /// <summary>Encodes interleaved RGB pixels.</summary>
    /// <param name="model">A model with a VAE encoder.</param>
    /// <param name="rgb">height × width × 3 bytes.</param>
    /// <param name="width">Width (a multiple of the model's <see cref="StableDiffusionModel.VaeScaleFactor"/> f).</param>
    /// <param name="height">Height (a multiple of f).</param>
    /// <returns>[4 × height/f × width/f], scaled as the UNet sees latents.</returns>
    /// <exception cref="InvalidOperationException">The model has no VAE encoder.</exception>
    public static float[] Encode(StableDiffusionModel model, ReadOnlySpan<byte> rgb, int width, int height)
    {
        var enc = model.VaeEncoder ?? throw new InvalidOperationException($"{model.Folder} has no vae_encoder/; images cannot be encoded into latents.");
        int f = model.VaeScaleFactor;
        if (width % f != 0 || height % f != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of the VAE factor {f}.");
        }

        using var input = new ModelTensor(enc.InputType("sample"), [1, 3, height, width]);
        using var output = new ModelTensor(enc.OutputType("latent_sample"), [1, StableDiffusionModel.LatentChannels, height / f, width / f]);
        ImageCodec.ToPlanar(rgb, width, height, input.Data);
        input.ToModel();
        using var ro = new RunOptions();
        enc.Session.Run(ro, ["sample"], [input.Value], ["latent_sample"], [output.Value]);
        output.FromModel();
        var latent = output.Data;
        TensorPrimitives.Multiply(latent, model.ScalingFactor, latent);
        return latent;
    }
}
