namespace Nudge.Engine.Generation;

/// <summary>One generated image.</summary>
/// <param name="Index">Position in the request (0-based).</param>
/// <param name="Seed">The seed it was generated with.</param>
/// <param name="Png">The PNG bytes.</param>
/// <param name="Pixels">The decoded image before quantization, [3 × H × W] in about [-1, 1].</param>
/// <param name="Latent">The final latent (scaled, as the UNet sees it), [4 × h × w].</param>
public sealed record GeneratedImage(int Index, long Seed, ReadOnlyMemory<byte> Png, float[] Pixels, float[] Latent)
{
    /// <summary>Steps captured during denoising (sample and model output for this image), by step index.</summary>
    public IReadOnlyDictionary<int, CapturedStep> Captures { get; init; } = new Dictionary<int, CapturedStep>();
}
