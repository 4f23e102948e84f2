using Nudge.Engine.Generation;
using Nudge.Mitigation.Filters;

namespace Nudge.Mitigation.Pipeline;

/// <summary>A request's images after filtering and nudging.</summary>
/// <param name="Generation">The first pass (settings, timings, unmodified images).</param>
/// <param name="Prompt">The prompt-stage filter report.</param>
/// <param name="Images">Per-image outcomes, in request order.</param>
/// <param name="Policy">The policy applied.</param>
public sealed record GuardedResult(GenerationResult Generation, FilterReport Prompt, IReadOnlyList<GuardedImage> Images, NudgePolicy Policy);
