namespace Nudge.Mitigation.Nudging;

/// <summary>What one minimization did.</summary>
/// <param name="Representation">The nudged L.</param>
/// <param name="Iterations">Gradient steps taken.</param>
/// <param name="InitialObjective">f(L0).</param>
/// <param name="FinalObjective">f(L).</param>
/// <param name="InitialPush">max_U ⟨U, g(L0)⟩.</param>
/// <param name="FinalPush">max_U ⟨U, g(L)⟩.</param>
/// <param name="Distance">‖L − L0‖₂.</param>
public sealed record NudgeOutcome(float[] Representation, int Iterations, double InitialObjective, double FinalObjective, float InitialPush, float FinalPush, float Distance);
