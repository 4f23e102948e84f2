using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;

namespace Nudge.Engine.Models;

/// <summary>
/// Builds the <see cref="SessionOptions"/> shared by a model's sessions: CUDA when its provider and
/// libraries load, otherwise CPU, reported in one log line.
/// </summary>
internal static class SessionFactory
{
    public static (SessionOptions Options, string Provider) Create(ModelLoadOptions options)
    {
        var so = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        ApplyThreading(so, options);
        if (options.ExecutionProvider == ExecutionProvider.Cpu)
        {
            options.Logger.LogInformation("ONNX Runtime: CPU execution provider (requested)");
            return (so, "CPU");
        }

        try
        {
            // Probe the CUDA runtime first: asking ONNX Runtime directly makes its native logger
            // print an error on every machine without a GPU.
            var missing = CudaLibraries.FirstMissing();
            if (missing is not null)
            {
                throw new DllNotFoundException($"{missing} is not loadable");
            }

            so.AppendExecutionProvider_CUDA(options.DeviceId);
            options.Logger.LogInformation("ONNX Runtime: CUDA execution provider on device {Device}", options.DeviceId);
            return (so, "CUDA");
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException)
        {
            if (options.ExecutionProvider == ExecutionProvider.Cuda)
            {
                so.Dispose();
                throw new ModelLoadException("CUDA", $"the CUDA execution provider is not available: {ex.Message}", ex);
            }

            so.Dispose();
            so = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            };
            ApplyThreading(so, options);
            options.Logger.LogWarning("ONNX Runtime: CUDA not available ({Reason}); falling back to the CPU execution provider", FirstLine(ex.Message));
            return (so, "CPU");
        }
    }

    private static void ApplyThreading(SessionOptions so, ModelLoadOptions options)
    {
        if (options.IntraOpThreads > 0)
        {
            so.IntraOpNumThreads = options.IntraOpThreads;
        }

        if (!options.IntraOpSpinning)
        {
            so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        }
    }

    private static string FirstLine(string s)
    {
        int i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
