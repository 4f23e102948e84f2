using Nudge.Engine.Generation;

namespace Nudge.Orchestration.Tests;

/// <summary>Small, fast requests for the tiny model.</summary>
internal static class Requests
{
    public static GenerationRequest Tiny(string prompt = "a red circle on a blue background", int count = 1, long seed = 7) =>
        new() { Prompt = prompt, Steps = 4, Count = count, Seed = seed, GuidanceScale = 5f };

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
