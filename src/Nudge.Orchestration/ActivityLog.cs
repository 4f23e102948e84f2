using Microsoft.Extensions.Logging;

namespace Nudge.Orchestration;

/// <summary>Where the activities say what they did (which step ran, or was found done).</summary>
/// <param name="Logger">The logger.</param>
public sealed record ActivityLog(ILogger Logger);
