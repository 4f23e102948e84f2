namespace Nudge.Engine.Schedulers;

/// <summary>
/// How a scheduler's sample at one step relates to the clean latent and the noise:
/// <c>sample = SignalScale * x0 + NoiseScale * eps</c>, and the model sees
/// <c>InputScale * sample</c> (the output of <see cref="IScheduler.ScaleModelInput"/>).
/// </summary>
/// <param name="SignalScale">Coefficient of the clean latent x0 in the sample
/// (<c>sqrt(alphas_cumprod[t])</c> for DDIM/PNDM/DPM, 1 for Euler/Euler a/LMS).</param>
/// <param name="NoiseScale">Coefficient of the unit noise in the sample
/// (<c>sqrt(1 - alphas_cumprod[t])</c> for DDIM/PNDM/DPM, sigma for Euler/Euler a/LMS).</param>
/// <param name="InputScale">Factor applied by <see cref="IScheduler.ScaleModelInput"/>
/// (1, or <c>1 / sqrt(sigma^2 + 1)</c> for Euler/Euler a/LMS).</param>
public readonly record struct NoiseLevel(double SignalScale, double NoiseScale, double InputScale)
{
    /// <summary>Signal scale of the model input (<c>alpha_t</c> of the variance-preserving process).</summary>
    public double ModelAlpha => SignalScale * InputScale;

    /// <summary>Noise scale of the model input (<c>sigma_t</c> of the variance-preserving process).</summary>
    public double ModelSigma => NoiseScale * InputScale;
}
