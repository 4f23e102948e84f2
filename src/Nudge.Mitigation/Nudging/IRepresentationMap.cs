namespace Nudge.Mitigation.Nudging;

/// <summary>
/// A map g from the nudged representation L into the space where D and U live, differentiable in
/// closed form (no finite differences over networks).
/// </summary>
public interface IRepresentationMap
{
    /// <summary>Dimension of L.</summary>
    int InputDimension { get; }

    /// <summary>Dimension of g(L).</summary>
    int OutputDimension { get; }

    /// <summary>y = g(x).</summary>
    /// <param name="x">The representation.</param>
    /// <param name="y">Receives g(x).</param>
    void Forward(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>dx = J_g(x)ᵀ · dy.</summary>
    /// <param name="x">The representation.</param>
    /// <param name="y">g(x), as computed by <see cref="Forward"/>.</param>
    /// <param name="dy">Gradient with respect to y.</param>
    /// <param name="dx">Receives the gradient with respect to x.</param>
    void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx);
}
