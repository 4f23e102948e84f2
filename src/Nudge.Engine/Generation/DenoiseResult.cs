namespace Nudge.Engine.Generation;

/// <summary>The outcome of a denoising run.</summary>
/// <param name="Latents">Final latents, [batch × 4 × h × w].</param>
/// <param name="Captures">Captured steps, by step index.</param>
/// <param name="TimestepCount">Number of entries in the scheduler's timesteps (PLMS has steps + 1).</param>
/// <param name="UNetRunTime">Summed time inside ONNX Runtime's UNet <c>Run</c> calls.</param>
/// <param name="Elapsed">Wall time of the run.</param>
public sealed record DenoiseResult(float[] Latents, IReadOnlyDictionary<int, CapturedStep> Captures, int TimestepCount, TimeSpan UNetRunTime, TimeSpan Elapsed);
