using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Nudge.Engine.Models;

/// <summary>Options for loading a Stable Diffusion ONNX model folder.</summary>
public sealed class ModelLoadOptions
{
    /// <summary>Execution provider choice. Defaults to <see cref="ExecutionProvider.Auto"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Auto;

    /// <summary>CUDA device ordinal when CUDA is used.</summary>
    public int DeviceId { get; set; }

    /// <summary>Intra-op threads per session; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Whether idle intra-op threads spin while waiting for work (ONNX Runtime's default: lower latency on an idle
    /// machine). Turn it off where the cores are shared with other busy processes: spinning threads then take CPU
    /// time from the threads doing the work.
    /// </summary>
    public bool IntraOpSpinning { get; set; } = true;

    /// <summary>Whether to load the <c>embedder/</c> component when the folder has one.</summary>
    public bool LoadEmbedder { get; set; } = true;

    /// <summary>Whether to load the <c>copy_detector/</c> component when the folder has one.</summary>
    public bool LoadCopyDetector { get; set; } = true;

    /// <summary>Whether to load <c>vae_encoder/</c> when present (needed to encode images into latents).</summary>
    public bool LoadVaeEncoder { get; set; } = true;

    /// <summary>Logger for the one-line provider report and load timings.</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;
}
