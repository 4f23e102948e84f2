using System.Numerics.Tensors;

namespace Nudge.Mitigation.Nudging;

/// <summary>Gradient descent on a <see cref="NudgeObjective"/> from L0, stopping early once the push term is below target.</summary>
public static class EmbeddingNudger
{
    /// <summary>Minimizes the objective.</summary>
    /// <param name="objective">The objective.</param>
    /// <param name="options">Step size, iterations and push target.</param>
    /// <returns>The nudged representation and a summary.</returns>
    public static NudgeOutcome Minimize(NudgeObjective objective, NudgeOptions options)
    {
        var l = objective.L0.ToArray();
        var grad = new float[l.Length];
        double initial = objective.Value(l);
        float initialPush = objective.MaxUndesiredSimilarity(l);
        // The step is relative to ‖L0‖ so the same setting suits 128-d joint vectors and 4×64×64 latents.
        float scale = Math.Max(TensorPrimitives.Norm(objective.L0), 1e-6f) * options.StepSize;
        int it = 0;
        float push = initialPush;
        float goal = Math.Min(options.PushTarget, initialPush - options.MinimumPushDrop);
        for (; it < options.Iterations && push > goal; it++)
        {
            objective.Gradient(l, grad);
            float gnorm = TensorPrimitives.Norm(grad);
            if (!(gnorm > 0))
            {
                break;
            }

            // Normalized gradient step: the objective mixes cosines and a norm, so raw gradient magnitudes vary widely.
            TensorPrimitives.MultiplyAdd(grad, -scale / gnorm, l, l);
            push = objective.MaxUndesiredSimilarity(l);
        }

        var moved = new float[l.Length];
        TensorPrimitives.Subtract(l, objective.L0, moved);
        return new NudgeOutcome(l, it, initial, objective.Value(l), initialPush, push, TensorPrimitives.Norm(moved));
    }
}
