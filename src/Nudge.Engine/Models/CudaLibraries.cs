using System.Runtime.InteropServices;

namespace Nudge.Engine.Models;

/// <summary>The CUDA 13 / cuDNN 9 runtime libraries ONNX Runtime GPU 1.31 links against.</summary>
internal static class CudaLibraries
{
    private static readonly string[] Linux = ["libcudart.so.13", "libcublasLt.so.13", "libcublas.so.13", "libcudnn.so.9"];
    private static readonly string[] Windows = ["cudart64_13.dll", "cublasLt64_13.dll", "cublas64_13.dll", "cudnn64_9.dll"];

    /// <summary>The first library that does not load, or null when all do.</summary>
    public static string? FirstMissing()
    {
        string[] names = OperatingSystem.IsWindows() ? Windows : OperatingSystem.IsLinux() ? Linux : ["cuda"];
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var handle))
            {
                return name;
            }

            NativeLibrary.Free(handle);
        }

        return null;
    }
}
