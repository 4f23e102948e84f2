namespace Nudge.Engine.Generation;

/// <summary>The images of one request with the settings that reproduce them.</summary>
/// <param name="Request">The request as run (defaults resolved).</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="SchedulerName">The scheduler class that ran.</param>
/// <param name="Images">The images, in request order.</param>
/// <param name="Timings">Where the time went.</param>
public sealed record GenerationResult(GenerationRequest Request, int Width, int Height, string SchedulerName, IReadOnlyList<GeneratedImage> Images, GenerationTimings Timings);
