namespace Nudge.Engine.Generation;

/// <summary>Where a generation's time went. ONNX Runtime time is the summed duration of its <c>Run</c> calls.</summary>
/// <param name="Total">Wall time of the whole generation.</param>
/// <param name="TextEncoder">Text encoder <c>Run</c> time.</param>
/// <param name="UNet">UNet <c>Run</c> time, all steps.</param>
/// <param name="VaeDecoder">VAE decoder <c>Run</c> time.</param>
public sealed record GenerationTimings(TimeSpan Total, TimeSpan TextEncoder, TimeSpan UNet, TimeSpan VaeDecoder)
{
    /// <summary>All ONNX Runtime <c>Run</c> time.</summary>
    public TimeSpan OnnxRuntime => TextEncoder + UNet + VaeDecoder;

    /// <summary>Pipeline overhead: wall time over summed <c>Run</c> time, minus one (0.05 = 5%).</summary>
    public double Overhead => OnnxRuntime.Ticks == 0 ? 0 : (Total.TotalSeconds / OnnxRuntime.TotalSeconds) - 1;
}
