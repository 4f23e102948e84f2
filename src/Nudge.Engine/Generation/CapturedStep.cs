namespace Nudge.Engine.Generation;

/// <summary>
/// The state of a denoising run just before step <see cref="StepIndex"/>: the latent sample and the
/// (guided) model output at that step. With the scheduler they give the predicted clean latent x̂0,
/// and a run can restart from here with other conditioning or a modified x̂0.
/// </summary>
/// <param name="StepIndex">0-based index into the scheduler's timesteps.</param>
/// <param name="Sample">The latent sample entering the step, [batch × 4 × h × w].</param>
/// <param name="ModelOutput">The guided model output at the step, same shape.</param>
public sealed record CapturedStep(int StepIndex, float[] Sample, float[] ModelOutput);
