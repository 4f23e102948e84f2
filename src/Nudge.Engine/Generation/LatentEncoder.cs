using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;

namespace Nudge.Engine.Generation;

/// <summary>Encodes images into the UNet's latent space with the VAE encoder (posterior mean × scaling factor).</summary>
public static class LatentEncoder
{
    /// <summary>Encodes interleaved RGB pixels.</summary>
    /// <param name="model">A model with a VAE encoder.</param>
    /// <param name="rgb">height × width × 3 bytes.</param>
    /// <param name="width">Width (a multiple of 8).</param>
    /// <param name="height">Height (a multiple of 8).</param>
    /// <returns>[4 × height/8 × width/8], scaled as the UNet sees latents.</returns>
    /// <exception cref="InvalidOperationException">The model has no VAE encoder.</exception>
    public static float[] Encode(StableDiffusionModel model, ReadOnlySpan<byte> rgb, int width, int height)
    {
        var enc = model.VaeEncoder ?? throw new InvalidOperationException($"{model.Folder} has no vae_encoder/; images cannot be encoded into latents.");
        if (width % 8 != 0 || height % 8 != 0)
        {
            throw new ArgumentException($"Image size {width}×{height} is not a multiple of 8.");
        }

        using var input = new ModelTensor(enc.InputType("sample"), [1, 3, height, width]);
        using var output = new ModelTensor(enc.OutputType("latent_sample"), [1, StableDiffusionModel.LatentChannels, height / 8, width / 8]);
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
