namespace Nudge.Engine.Generation;

/// <summary>Where a generation is: which phase, and the denoising step within it.</summary>
/// <param name="Phase">"encode", "denoise" or "decode".</param>
/// <param name="Step">Steps done in this phase.</param>
/// <param name="TotalSteps">Steps in this phase.</param>
public readonly record struct GenerationProgress(string Phase, int Step, int TotalSteps);
