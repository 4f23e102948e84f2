namespace Nudge.Engine.Schedulers;

/// <summary>
/// A diffusion sampler ("noise scheduler") in the style of Hugging Face diffusers, driven by step
/// index rather than by timestep value.
/// </summary>
/// <remarks>
/// <para>Typical loop (all tensors are flat float spans of the latent, batch included):</para>
/// <code>
/// scheduler.SetTimesteps(steps);
/// latents = noise * scheduler.InitNoiseSigma;
/// for (int k = 0; k &lt; scheduler.Timesteps.Length; k++)
/// {
///     scheduler.ScaleModelInput(latents, k, modelInput);
///     modelOutput = unet(modelInput, scheduler.Timesteps[k]);
///     ReadOnlySpan&lt;float&gt; stepNoise = scheduler.NeedsNoise(k) ? DrawNoise() : default;
///     scheduler.Step(modelOutput, k, latents, latents, stepNoise); // in place is allowed
/// }
/// </code>
/// <para>Multistep schedulers (PNDM/PLMS, LMS, DPM-Solver) keep a history of model outputs inside the
/// object. <see cref="SetTimesteps"/> and <see cref="ResetHistory"/> clear it, and so does a call to
/// <see cref="Step"/> whose index is not the previous index + 1. Restarting at step k therefore starts
/// with an empty history (lower-order first steps), which is what diffusers does for img2img.</para>
/// <para>Instances are not thread-safe. Step-loop methods do not allocate once the buffers for a
/// given sample length exist (they are created on first use after <see cref="SetTimesteps"/>).</para>
/// </remarks>
public interface IScheduler
{
    /// <summary>The diffusers class name this scheduler reproduces, e.g. <c>"EulerDiscreteScheduler"</c>.</summary>
    string Name { get; }

    /// <summary>The configuration the scheduler was created from.</summary>
    SchedulerConfig Config { get; }

    /// <summary>The training noise schedule (betas, alphas_cumprod, sigma table).</summary>
    NoiseSchedule Schedule { get; }

    /// <summary>The argument of the last <see cref="SetTimesteps"/> call (0 before the first call).</summary>
    int NumInferenceSteps { get; }

    /// <summary>
    /// Timesteps to feed the model, one per step, in order. Integer-valued for DDIM, PNDM and DPM
    /// (PNDM/PLMS has <c>NumInferenceSteps + 1</c> entries: the second timestep is repeated);
    /// possibly fractional for Euler, Euler a and LMS. The step loop runs over every entry.
    /// </summary>
    ReadOnlySpan<float> Timesteps { get; }

    /// <summary>
    /// The noise levels (sigma) of the sigma-based schedulers (Euler, Euler a, LMS, DPM):
    /// <c>Timesteps.Length + 1</c> values, the last one the final level (usually 0). Empty for DDIM/PNDM.
    /// </summary>
    ReadOnlySpan<float> Sigmas { get; }

    /// <summary>Standard deviation of the initial latent noise: multiply unit noise by this before step 0.</summary>
    float InitNoiseSigma { get; }

    /// <summary>Computes the inference schedule and clears the multistep history.</summary>
    /// <param name="numInferenceSteps">Number of denoising steps, 1 to <c>num_train_timesteps</c>.</param>
    void SetTimesteps(int numInferenceSteps);

    /// <summary>Clears the multistep history so that the next <see cref="Step"/> starts fresh (first order).</summary>
    void ResetHistory();

    /// <summary>Writes the model input for step <paramref name="stepIndex"/> (identity or division by <c>sqrt(sigma^2 + 1)</c>).</summary>
    /// <param name="sample">Current latent.</param>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <param name="destination">Receives the scaled input; may be the same span as <paramref name="sample"/>.</param>
    void ScaleModelInput(ReadOnlySpan<float> sample, int stepIndex, Span<float> destination);

    /// <summary>Whether <see cref="Step"/> at <paramref name="stepIndex"/> consumes a unit-normal noise tensor.</summary>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <returns><see langword="true"/> when the caller must pass noise of the sample's length.</returns>
    bool NeedsNoise(int stepIndex);

    /// <summary>Advances the sample from step <paramref name="stepIndex"/> to the next noise level.</summary>
    /// <param name="modelOutput">Model output for the scaled input of this step (interpreted per <c>prediction_type</c>).</param>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <param name="sample">Current latent (unscaled).</param>
    /// <param name="prevSample">Receives the next latent; may be the same span as <paramref name="sample"/>.</param>
    /// <param name="noise">Unit-normal noise when <see cref="NeedsNoise"/> is true, otherwise ignored (may be empty).</param>
    void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample, ReadOnlySpan<float> noise = default);

    /// <summary>The sample/noise/input scales at step <paramref name="stepIndex"/>.</summary>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <returns>The noise level.</returns>
    NoiseLevel GetNoiseLevel(int stepIndex);

    /// <summary>The clean-latent estimate x̂0 implied by a model output at step <paramref name="stepIndex"/>.</summary>
    /// <param name="modelOutput">Model output for the scaled input of this step.</param>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <param name="sample">Current latent (unscaled).</param>
    /// <param name="destination">Receives x̂0.</param>
    void PredictOriginalSample(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> destination);

    /// <summary>The unit-noise estimate ε̂ implied by a model output at step <paramref name="stepIndex"/>.</summary>
    /// <param name="modelOutput">Model output for the scaled input of this step.</param>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <param name="sample">Current latent (unscaled).</param>
    /// <param name="destination">Receives ε̂.</param>
    void PredictNoise(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> destination);

    /// <summary>
    /// Re-noises a clean latent to the noise level of step <paramref name="stepIndex"/>:
    /// <c>destination = SignalScale * x0 + NoiseScale * noise</c>. With ε̂ from
    /// <see cref="PredictNoise"/> this recombines a modified x̂0 with the predicted noise so that
    /// denoising can restart at that step (call <see cref="ResetHistory"/> first).
    /// </summary>
    /// <param name="originalSample">Clean latent x0.</param>
    /// <param name="noise">Unit noise ε (fresh or predicted).</param>
    /// <param name="stepIndex">0-based index into <see cref="Timesteps"/>.</param>
    /// <param name="destination">Receives the noisy latent (the scheduler's sample for that step).</param>
    void AddNoiseAt(ReadOnlySpan<float> originalSample, ReadOnlySpan<float> noise, int stepIndex, Span<float> destination);
}
