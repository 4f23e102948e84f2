using System.Numerics.Tensors;
using Nudge.Mitigation.Embedding;

namespace Nudge.Mitigation.Nudging;

/// <summary>
/// g(x) = A·x / ‖A·x‖: a linear map followed by L2 normalization, so ⟨D, g(x)⟩ is a cosine. With A the
/// text projection it takes a text-encoder hidden state into the embedder's joint space; with A = I it
/// is the cosine geometry of VAE latents. Jacobianᵀ·dy = Aᵀ (I − ŷŷᵀ) dy / ‖A·x‖.
/// </summary>
public sealed class NormalizedLinearMap : IRepresentationMap
{
    private readonly TextProjection? _projection;
    private readonly float[] _raw;
    private readonly float[] _tmp;

    private NormalizedLinearMap(TextProjection? projection, int input, int output)
    {
        _projection = projection;
        InputDimension = input;
        OutputDimension = output;
        _raw = new float[output];
        _tmp = new float[output];
    }

    /// <inheritdoc />
    public int InputDimension { get; }

    /// <inheritdoc />
    public int OutputDimension { get; }

    /// <summary>g(x) = x / ‖x‖.</summary>
    /// <param name="dimension">Dimension of x.</param>
    /// <returns>The map.</returns>
    public static NormalizedLinearMap Identity(int dimension) => new(null, dimension, dimension);

    /// <summary>g(h) = W·h / ‖W·h‖ with the text projection W.</summary>
    /// <param name="projection">The projection.</param>
    /// <returns>The map.</returns>
    public static NormalizedLinearMap Projected(TextProjection projection) => new(projection, projection.HiddenSize, projection.ProjectionDim);

    /// <inheritdoc />
    public void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        Linear(x, _raw);
        float norm = TensorPrimitives.Norm(_raw);
        TensorPrimitives.Divide(_raw, norm > 0 ? norm : 1f, y);
    }

    /// <inheritdoc />
    public void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        Linear(x, _raw);
        float norm = TensorPrimitives.Norm(_raw);
        float along = TensorPrimitives.Dot(y, dy);
        // (I − ŷŷᵀ) dy / ‖Ax‖
        TensorPrimitives.MultiplyAdd(y, -along, dy, _tmp);
        TensorPrimitives.Divide(_tmp, norm > 0 ? norm : 1f, _tmp);
        if (_projection is null)
        {
            _tmp.CopyTo(dx);
        }
        else
        {
            _projection.ProjectTransposed(_tmp, dx);
        }
    }

    private void Linear(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (_projection is null)
        {
            x.CopyTo(destination);
        }
        else
        {
            _projection.Project(x, destination);
        }
    }
}
