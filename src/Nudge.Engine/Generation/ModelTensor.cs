using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nudge.Engine.Generation;

/// <summary>
/// A float32 working buffer bound to an ONNX Runtime tensor of the element type the graph declares.
/// float32 graphs use the buffer itself (no copy); float16 graphs get a half-precision mirror that
/// <see cref="ToModel"/> and <see cref="FromModel"/> convert with vectorized primitives. Created once
/// per run and reused at every step, so the step loop does not allocate.
/// </summary>
internal sealed class ModelTensor : IDisposable
{
    private readonly Float16[]? _half;

    public ModelTensor(TensorElementType type, long[] shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            count *= d;
        }

        Data = new float[count];
        Shape = shape;
        Type = type;
        switch (type)
        {
            case TensorElementType.Float:
                Value = OrtValue.CreateTensorValueFromMemory(Data, shape);
                break;
            case TensorElementType.Float16:
                _half = new Float16[count];
                Value = OrtValue.CreateTensorValueFromMemory(_half, shape);
                break;
            default:
                throw new NotSupportedException($"Tensor element type {type} is not a floating-point type.");
        }
    }

    public float[] Data { get; }

    public long[] Shape { get; }

    public TensorElementType Type { get; }

    public OrtValue Value { get; }

    public void ToModel()
    {
        if (_half is not null)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(Data, MemoryMarshal.Cast<Float16, Half>(_half.AsSpan()));
        }
    }

    public void FromModel()
    {
        if (_half is not null)
        {
            System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<Float16, Half>(_half.AsSpan()), Data);
        }
    }

    public void Dispose() => Value.Dispose();
}
