using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nudge.Engine.Generation;

/// <summary>
/// The UNet's timestep input in whatever type and rank the graph declares (int64, float32 or
/// float16; [batch] or a scalar), rewritten in place at each step.
/// </summary>
internal sealed class TimestepTensor : IDisposable
{
    private readonly long[]? _int64;
    private readonly float[]? _float;
    private readonly Float16[]? _half;

    public TimestepTensor(TensorElementType type, int rank, int batch)
    {
        long[] shape = rank == 0 ? [] : [batch];
        int n = rank == 0 ? 1 : batch;
        switch (type)
        {
            case TensorElementType.Int64:
                _int64 = new long[n];
                Value = OrtValue.CreateTensorValueFromMemory(_int64, shape);
                break;
            case TensorElementType.Float:
                _float = new float[n];
                Value = OrtValue.CreateTensorValueFromMemory(_float, shape);
                break;
            case TensorElementType.Float16:
                _half = new Float16[n];
                Value = OrtValue.CreateTensorValueFromMemory(_half, shape);
                break;
            default:
                throw new NotSupportedException($"UNet timestep of type {type} is not supported.");
        }
    }

    public OrtValue Value { get; }

    /// <summary>Writes t; integer graphs get it truncated toward zero, as numpy's astype does in diffusers.</summary>
    public void Set(float t)
    {
        if (_int64 is not null)
        {
            Array.Fill(_int64, (long)t);
        }
        else if (_float is not null)
        {
            Array.Fill(_float, t);
        }
        else
        {
            Array.Fill(_half!, (Float16)t);
        }
    }

    public void Dispose() => Value.Dispose();
}
