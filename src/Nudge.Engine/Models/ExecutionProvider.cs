namespace Nudge.Engine.Models;

/// <summary>Which ONNX Runtime execution provider runs the model sessions.</summary>
public enum ExecutionProvider
{
    /// <summary>CUDA when its libraries load, otherwise CPU (logged once).</summary>
    Auto,

    /// <summary>Always the CPU provider.</summary>
    Cpu,

    /// <summary>CUDA; loading fails when the CUDA provider cannot be created.</summary>
    Cuda,
}
