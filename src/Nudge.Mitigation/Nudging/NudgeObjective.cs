using System.Numerics.Tensors;

namespace Nudge.Mitigation.Nudging;

/// <summary>
/// f(L) = −α·mean_D⟨D, g(L)⟩ + β·mean_U⟨U, g(L)⟩ + λ·‖L − L0‖ / ‖L0‖ and its gradient. D and U are in
/// g's output space. The proximity is measured relative to ‖L0‖ (same norm), so one λ suits a 128-value
/// joint-space vector and a 16 384-value latent alike: the similarity terms are scale-free, and an absolute
/// distance would not be. The L2 proximity's gradient at L = L0 is taken as 0 (a valid subgradient), as is
/// sign(0) for L1.
/// </summary>
public sealed class NudgeObjective
{
    private readonly IRepresentationMap _map;
    private readonly float[] _l0;
    private readonly float[] _direction; // −α·mean(D) + β·mean(U): the objective is linear in y
    private readonly float[][] _undesired;
    private readonly float _lambda;
    private readonly ProximityNorm _norm;
    private readonly float[] _y;
    private readonly float[] _diff;

    /// <summary>Creates the objective.</summary>
    /// <param name="map">The map g.</param>
    /// <param name="l0">The starting representation.</param>
    /// <param name="desired">D: embeddings to pull towards (may be empty).</param>
    /// <param name="undesired">U: embeddings to push away from (may be empty).</param>
    /// <param name="alpha">α.</param>
    /// <param name="beta">β.</param>
    /// <param name="lambda">λ.</param>
    /// <param name="norm">Proximity norm.</param>
    public NudgeObjective(IRepresentationMap map, float[] l0, IReadOnlyList<float[]> desired, IReadOnlyList<float[]> undesired, float alpha, float beta, float lambda, ProximityNorm norm)
    {
        if (l0.Length != map.InputDimension)
        {
            throw new ArgumentException($"L0 has {l0.Length} values; the map takes {map.InputDimension}.", nameof(l0));
        }

        if (desired.Concat(undesired).Any(v => v.Length != map.OutputDimension))
        {
            throw new ArgumentException($"Desired and undesired embeddings must have {map.OutputDimension} values.");
        }

        _map = map;
        _l0 = l0;
        _undesired = [.. undesired];
        _lambda = lambda;
        _norm = norm;
        _direction = new float[map.OutputDimension];
        foreach (var d in desired)
        {
            TensorPrimitives.MultiplyAdd(d, -alpha / desired.Count, _direction, _direction);
        }

        foreach (var u in undesired)
        {
            TensorPrimitives.MultiplyAdd(u, beta / undesired.Count, _direction, _direction);
        }

        _y = new float[map.OutputDimension];
        _diff = new float[l0.Length];
        float scale = norm == ProximityNorm.L2 ? TensorPrimitives.Norm(l0) : TensorPrimitives.SumOfMagnitudes(l0);
        _lambda = scale > 0 ? lambda / scale : lambda;
    }

    /// <summary>The starting representation.</summary>
    public ReadOnlySpan<float> L0 => _l0;

    /// <summary>f(L).</summary>
    /// <param name="l">The representation.</param>
    /// <returns>The objective's value.</returns>
    public double Value(ReadOnlySpan<float> l)
    {
        _map.Forward(l, _y);
        TensorPrimitives.Subtract(l, _l0, _diff);
        return TensorPrimitives.Dot(_direction, _y) + (_lambda * Proximity(_diff));
    }

    /// <summary>∇f(L).</summary>
    /// <param name="l">The representation.</param>
    /// <param name="gradient">Receives the gradient.</param>
    /// <returns>f(L).</returns>
    public double Gradient(ReadOnlySpan<float> l, Span<float> gradient)
    {
        _map.Forward(l, _y);
        _map.Backward(l, _y, _direction, gradient);
        TensorPrimitives.Subtract(l, _l0, _diff);
        float prox = Proximity(_diff);
        if (_lambda > 0 && prox > 0)
        {
            if (_norm == ProximityNorm.L2)
            {
                TensorPrimitives.MultiplyAdd(_diff, _lambda / prox, gradient, gradient);
            }
            else
            {
                for (int i = 0; i < gradient.Length; i++)
                {
                    gradient[i] += _lambda * MathF.Sign(_diff[i]);
                }
            }
        }

        return TensorPrimitives.Dot(_direction, _y) + (_lambda * prox);
    }

    /// <summary>The push term's largest similarity max_U ⟨U, g(L)⟩ (−1 when U is empty).</summary>
    /// <param name="l">The representation.</param>
    /// <returns>The similarity.</returns>
    public float MaxUndesiredSimilarity(ReadOnlySpan<float> l)
    {
        _map.Forward(l, _y);
        float best = -1f;
        foreach (var u in _undesired)
        {
            best = Math.Max(best, TensorPrimitives.Dot(u, _y));
        }

        return best;
    }

    private float Proximity(ReadOnlySpan<float> diff) => _norm == ProximityNorm.L2 ? TensorPrimitives.Norm(diff) : TensorPrimitives.SumOfMagnitudes(diff);
}
