using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nudge.Engine.Models;

/// <summary>What a model input or output must look like: its name, allowed element types and ranks.</summary>
/// <param name="Name">The tensor name in the ONNX graph.</param>
/// <param name="ElementTypes">Allowed element types.</param>
/// <param name="Ranks">Allowed ranks.</param>
/// <param name="Required">Whether the graph must have it.</param>
public sealed record TensorSpec(string Name, TensorElementType[] ElementTypes, int[] Ranks, bool Required = true)
{
    internal static readonly TensorElementType[] Floats = [TensorElementType.Float, TensorElementType.Float16];
    internal static readonly TensorElementType[] Ids = [TensorElementType.Int32, TensorElementType.Int64];
    internal static readonly TensorElementType[] Timesteps = [TensorElementType.Int64, TensorElementType.Float, TensorElementType.Float16];

    internal static TensorSpec Float(string name, int rank, bool required = true) => new(name, Floats, [rank], required);
}
