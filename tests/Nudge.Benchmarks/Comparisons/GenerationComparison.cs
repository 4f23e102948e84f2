using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nudge.Benchmarks.Core;
using Nudge.Benchmarks.Data;
using Nudge.Engine.Generation;
using Nudge.Engine.Imaging;
using Nudge.Engine.Models;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Part 2: the C# pipeline (<see cref="DiffusionPipeline"/> over ONNX Runtime, CPU) against the recipe's PyTorch
/// pipeline (<c>models/recipe/pipeline.py</c>, <c>TorchPipeline</c>, in a peer process) on the tiny model: same prompt,
/// 20 PNDM steps, guidance 7.5, batch 1 and 8, the same thread count, runs interleaved after a warm-up on each side.
/// </summary>
public sealed class GenerationComparison : IComparison
{
    /// <summary>The prompt both sides generate.</summary>
    public const string Prompt = "a red circle on a blue background";

    /// <summary>Inference steps.</summary>
    public const int Steps = 20;

    /// <summary>Guidance scale.</summary>
    public const float Guidance = 7.5f;

    /// <summary>Set on this machine kind for the trainer's OpenBLAS; unset for the peer so it runs its best kernels.</summary>
    private static readonly string[] UnsetForTorch = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    /// <inheritdoc />
    public string Name => "generate";

    /// <inheritdoc />
    public string Title => "Generation vs PyTorch (tiny model, 20 PNDM steps, guidance 7.5)";

    /// <inheritdoc />
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        BenchmarkOptions o = context.Options;
        int threads = o.EffectiveThreads;
        int runs = o.Runs ?? (o.Quick ? 3 : 7);
        var result = new ComparisonResult(Name, Title);
        StableDiffusionModel model = BenchModels.Get(context);
        var pipeline = new DiffusionPipeline(model);

        PeerProcess? torch = null;
        try
        {
            torch = await PeerProcess.StartAsync(o.Python, Path.Combine(o.PeersDir, "torch_generate.py"),
                [o.ModelDir, threads.ToString(CultureInfo.InvariantCulture)], UnsetForTorch, o.OpenMpEnvironment, TimeSpan.FromMinutes(3), cancellationToken).ConfigureAwait(false);
            JsonElement ready = torch.Ready;
            CheckSameWeights(o.ModelDir, ready);
            context.Log($"PyTorch peer ready: torch {ready.GetProperty("torch").GetString()}, {ready.GetProperty("threads").GetInt32()} threads, weights from the ONNX files of {ready.GetProperty("model").GetString()} (hashes match)");
            result.Note($"PyTorch peer: torch {ready.GetProperty("torch").GetString()} (Debian python3-torch; CPU capability {ready.GetProperty("cpu_capability").GetString()}, oneDNN {(ready.GetProperty("mkldnn").GetBoolean() ? "on" : "off")}, "
                + $"BLAS {ready.GetProperty("blas").GetString()}), {ready.GetProperty("threads").GetInt32()} threads, torch.inference_mode(), OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset; "
                + "the recipe's modules rebuilt from models/recipe and loaded from the same ONNX files as the C# side (SHA-256 of each file checked equal).");
        }
        catch (PeerException ex)
        {
            torch?.Dispose();
            torch = null;
            result.Incomplete = true;
            result.Note($"PyTorch side NOT MEASURED: {ex.Message}");
            context.Log($"PyTorch peer unavailable: {ex.Message}");
        }

        var table = new ResultTable("summary", ["batch", "engine", "runs", "median ms/run", "ms/image", "best ms/image", "ORT Run ms/image", "UNet share of Run", "overhead over Run (median run)", "overhead over Run (all runs summed)", "PNG encode ms/image"]);
        result.Tables.Add(table);
        var perImage = new Dictionary<(int Batch, string Engine), double>();
        try
        {
            foreach (int batch in new[] { 1, DiffusionPipeline.MaxBatch })
            {
                var request = new GenerationRequest { Prompt = Prompt, Steps = Steps, GuidanceScale = Guidance, Count = batch, Scheduler = "pndm", Seed = 1 };
                pipeline.Generate(request, cancellationToken: cancellationToken); // warm-up: arenas, JIT
                if (torch is not null)
                {
                    await TorchRunAsync(torch, batch, 1, cancellationToken).ConfigureAwait(false);
                }

                var timings = new List<GenerationTimings>();
                var torchMs = new List<double>();
                GenerationResult? last = null;
                for (int r = 0; r < runs; r++)
                {
                    last = pipeline.Generate(request with { Seed = r + 2 }, cancellationToken: cancellationToken);
                    timings.Add(last.Timings);
                    if (torch is not null)
                    {
                        torchMs.Add(await TorchRunAsync(torch, batch, r + 2, cancellationToken).ConfigureAwait(false));
                    }
                }

                double[] totals = timings.Select(t => t.Total.TotalMilliseconds).ToArray();
                double sumTotal = totals.Sum(), sumOrt = timings.Sum(t => t.OnnxRuntime.TotalMilliseconds);
                double overheadSummed = (sumTotal / sumOrt) - 1;

                // Per run: wall / that run's summed Run time − 1. The median resists the runs in which this process was
                // preempted outside ONNX Runtime (on a shared machine a few runs spike to 3–4 times the usual overhead).
                double overhead = Stats.Median(timings.Select(t => t.Overhead));
                double csMedian = Stats.Median(totals);
                double pngMs = PngEncodeMs(last!);
                perImage[(batch, "C#")] = csMedian / batch;
                table.Add(batch, "C# (ONNX Runtime)", runs, csMedian, csMedian / batch, totals.Min() / batch,
                    Stats.Median(timings.Select(t => t.OnnxRuntime.TotalMilliseconds)) / batch,
                    $"{100 * timings.Sum(t => t.UNet.TotalMilliseconds) / sumOrt:F1}%", $"{100 * overhead:F2}%", $"{100 * overheadSummed:F2}%", pngMs);
                result.Verdicts.Add(new Verdict($"batch {batch}: C# pipeline overhead over summed ORT Run time (median run)", overhead, "%", 0.05, GoalKind.AtMost));
                result.Verdicts.Add(new Verdict($"batch {batch}: the same over all runs summed (as `nudge bench pipeline` prints it)", overheadSummed, "%"));
                result.Verdicts.Add(new Verdict($"batch {batch}: median-run overhead without PNG encoding (timed separately)",
                    Stats.Median(timings.Select(t => (t.Total.TotalMilliseconds - (pngMs * batch)) / t.OnnxRuntime.TotalMilliseconds)) - 1, "%"));
                if (torch is not null)
                {
                    double torchMedian = Stats.Median(torchMs);
                    perImage[(batch, "PyTorch")] = torchMedian / batch;
                    table.Add(batch, "PyTorch (TorchPipeline)", runs, torchMedian, torchMedian / batch, torchMs.Min() / batch, null, null, null, null, null);
                    result.Verdicts.Add(new Verdict($"batch {batch}: PyTorch/C# time per image (C# speed-up)", torchMedian / csMedian, "×", 1.5));
                }
                else
                {
                    result.Verdicts.Add(new Verdict($"batch {batch}: PyTorch/C# time per image (C# speed-up)", double.NaN, "×", 1.5));
                }

                context.Log($"batch {batch}: C# {csMedian / batch:F1} ms/image" + (torch is null ? "" : $", PyTorch {Stats.Median(torchMs) / batch:F1} ms/image"));
            }
        }
        finally
        {
            torch?.Dispose();
        }

        var chart = new PerfChart("generate", $"Tiny model, {Steps} PNDM steps, guidance {Guidance}: time per image (median)", "", "ms per image")
        {
            Kind = ChartKind.Bars,
            Categories = ["batch 1", "batch 8"],
        };
        foreach (string engine in new[] { "C#", "PyTorch" })
        {
            chart.Series.Add(new ChartSeries(engine == "C#" ? "C# (ONNX Runtime)" : "PyTorch (TorchPipeline)", [0, 1],
                [perImage.GetValueOrDefault((1, engine), double.NaN), perImage.GetValueOrDefault((DiffusionPipeline.MaxBatch, engine), double.NaN)]));
        }

        result.Charts.Add(chart);
        result.Note($"Prompt \"{Prompt}\", negative prompt empty, {Steps} steps PNDM, guidance {Guidance}; {threads} threads on both sides (ONNX Runtime intra-op, torch.set_num_threads), idle threads {(o.PassiveWait ? "waiting passively (ORT allow_spinning=0, OMP_WAIT_POLICY=PASSIVE)" : "spin-waiting (each library's default)")}; {runs} timed runs per side, alternating C# and PyTorch, after one warm-up run each; medians.");
        result.Note($"C# wall time includes PNG encoding of every image (the pipeline returns PNGs); PyTorch's includes the conversion to uint8. The two sides draw different initial noise (C#: nudge-rng-1; PyTorch: torch.randn), so the images are not pixel-identical; the work per step is the same.");
        result.Note($"Overhead = wall / summed ONNX Runtime Run time − 1 (GenerationTimings.Overhead); the goal is judged on the median run, and the summed form `nudge bench pipeline` prints is shown too: it counts every time the OS parked this process outside ONNX Runtime, which on a shared machine dominates it.");
        return result;
    }

    /// <summary>Median time to quantize and PNG-encode one of the generated images, as the pipeline does for each.</summary>
    private static double PngEncodeMs(GenerationResult result)
    {
        GeneratedImage image = result.Images[0];
        var ms = new double[21];
        for (int i = 0; i < ms.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            ImageCodec.EncodePng(ImageCodec.ToRgb24(image.Pixels, result.Width, result.Height), result.Width, result.Height);
            ms[i] = sw.Elapsed.TotalMilliseconds;
        }

        return Stats.Median(ms.Skip(1));
    }

    /// <summary>Both sides must run the same parameters: every ONNX file the peer loaded hashes as the C# side's copy does.</summary>
    private static void CheckSameWeights(string modelDir, JsonElement ready)
    {
        JsonElement files = ready.GetProperty("files");
        foreach (JsonProperty hash in ready.GetProperty("sha256").EnumerateObject())
        {
            string path = Path.Combine(modelDir, files.GetProperty(hash.Name).GetString()!);
            using FileStream stream = File.OpenRead(path);
            string mine = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
            if (mine != hash.Value.GetString())
            {
                throw new PeerException($"the PyTorch peer loaded {path} with SHA-256 {hash.Value.GetString()}, the C# side reads {mine}");
            }
        }
    }

    private static async Task<double> TorchRunAsync(PeerProcess torch, int batch, int seed, CancellationToken ct)
    {
        JsonElement answer = await torch.RequestAsync(new { cmd = "generate", prompt = Prompt, steps = Steps, guidance = Guidance, batch, seed }, ct).ConfigureAwait(false);
        return answer.GetProperty("ms").GetDouble();
    }
}
