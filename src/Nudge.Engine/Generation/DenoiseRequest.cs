using Nudge.Engine.Schedulers;

namespace Nudge.Engine.Generation;

/// <summary>
/// One denoising run over a batch of latents: the conditioning per image, the shared unconditional
/// conditioning, the scheduler settings, and where to start. It starts at <see cref="StartStep"/>
/// from <see cref="InitialSample"/> (step 0: pure noise times the initial sigma; later steps: a
/// captured or re-noised sample), which is how a nudged generation restarts.
/// </summary>
public sealed record DenoiseRequest
{
    /// <summary>Conditioning for each image (one entry per image in the batch).</summary>
    public required IReadOnlyList<PromptEncoding> Conditioning { get; init; }

    /// <summary>The negative prompt's (or empty prompt's) conditioning for classifier-free guidance.</summary>
    public required PromptEncoding Unconditional { get; init; }

    /// <summary>Guidance scale; 1 or less turns classifier-free guidance off.</summary>
    public float GuidanceScale { get; init; } = 7.5f;

    /// <summary>The scheduler configuration (from the model, optionally with another class).</summary>
    public required SchedulerConfig Scheduler { get; init; }

    /// <summary>A scheduler name overriding the config's class (e.g. "ddim", "euler-a").</summary>
    public string? SchedulerName { get; init; }

    /// <summary>Number of inference steps.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Latent height in cells (pixels / the model's VAE factor).</summary>
    public required int LatentHeight { get; init; }

    /// <summary>Latent width in cells (pixels / the model's VAE factor).</summary>
    public required int LatentWidth { get; init; }

    /// <summary>The sample at <see cref="StartStep"/>, [batch × 4 × h × w]; not modified.</summary>
    public required float[] InitialSample { get; init; }

    /// <summary>0-based step index to start at.</summary>
    public int StartStep { get; init; }

    /// <summary>Seeds per image, used for the noise that stochastic schedulers draw at each step.</summary>
    public required IReadOnlyList<long> Seeds { get; init; }

    /// <summary>Step indices at which to capture the sample and model output.</summary>
    public IReadOnlySet<int> CaptureSteps { get; init; } = new HashSet<int>();
}
