using Nudge.Mitigation.Filters;

namespace Nudge.Orchestration.State;

/// <summary>The filter activity's report on one image (stored as <see cref="WorkNames.Filters"/>).</summary>
/// <param name="Image">The image-stage report.</param>
/// <param name="Prompt">The prompt-stage report (on the first pass only).</param>
/// <param name="ElapsedMs">Time the filters took.</param>
public sealed record FilterState(FilterReport Image, FilterReport? Prompt, double ElapsedMs);
