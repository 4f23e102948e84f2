using Nudge.Benchmarks.Core;
using Nudge.Engine.Models;

namespace Nudge.Benchmarks.Data;

/// <summary>The ONNX model of the generation comparisons, loaded once per invocation (CPU execution provider, the options' thread count).</summary>
public static class BenchModels
{
    /// <summary>The model.</summary>
    /// <param name="context">The context (cache, options).</param>
    /// <returns>The loaded model; the context disposes it.</returns>
    public static StableDiffusionModel Get(BenchmarkContext context)
    {
        BenchmarkOptions o = context.Options;
        return context.GetOrCreate($"model:{o.ModelDir}", () =>
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var model = StableDiffusionModel.Load(o.ModelDir, new ModelLoadOptions
            {
                ExecutionProvider = ExecutionProvider.Cpu,
                IntraOpThreads = o.EffectiveThreads,
                IntraOpSpinning = !o.PassiveWait,
                LoadEmbedder = false,
                LoadVaeEncoder = false,
            });
            context.Log($"loaded {model.Name} (CPU, {o.EffectiveThreads} intra-op threads, {o.WaitName} waiting) in {sw.Elapsed.TotalSeconds:F1} s");
            return model;
        });
    }
}
