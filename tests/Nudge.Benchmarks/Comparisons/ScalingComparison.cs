using System.Diagnostics;
using Nudge.Benchmarks.Core;
using Nudge.Benchmarks.Data;
using Nudge.Engine.Generation;
using Nudge.Indexing;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Part 5: how Nudge's time grows with index size (10k → 1M rows, d = 768, single query) and with inference steps
/// (10 → 100, tiny model, batch 1), as log-log plots with the fitted exponent (1 = linear).
/// </summary>
public sealed class ScalingComparison : IComparison
{
    /// <summary>Dimension of the index scaling.</summary>
    public const int Dimension = 768;

    /// <summary>How far a fitted exponent may be from 1 and still be called linear.</summary>
    public const double LinearTolerance = 0.1;

    /// <inheritdoc />
    public string Name => "scaling";

    /// <inheritdoc />
    public string Title => "Scaling with index size and with inference steps";

    /// <inheritdoc />
    public Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var result = new ComparisonResult(Name, Title);
        IndexScaling(context, result, cancellationToken);
        StepScaling(context, result, cancellationToken);
        return Task.FromResult(result);
    }

    private static void IndexScaling(BenchmarkContext context, ComparisonResult result, CancellationToken ct)
    {
        BenchmarkOptions o = context.Options;
        int[] sizes = [.. (o.Sizes is { Count: > 1 } s ? s : o.Quick ? [10_000, 30_000, 100_000, 300_000, 1_000_000] : [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]).Order()];
        double budgetMs = o.Quick ? 500 : 2000;
        int minReps = o.Quick ? 5 : 9;
        VectorSet data = VectorSet.IndexRows(context, Dimension, sizes[^1]);
        VectorSet queries = VectorSet.Queries(context, Dimension);
        BenchIndexes.WarmUpJit(context, data.Data, queries.Data, Dimension);
        var table = new ResultTable("index", ["N", "storage", "calls", "median ms/query", "min ms/query", "scan GB/s"]);
        result.Tables.Add(table);
        EmbeddingStorageType[] storages = [EmbeddingStorageType.Float32, EmbeddingStorageType.Float16];
        int rounds = o.Quick ? 3 : 5;

        // Every index is built first, then the sizes take turns in rounds, so that a noisy stretch is spread over all
        // points instead of bending one of them.
        var points = new List<(int N, EmbeddingStorageType Storage, EmbeddingIndex Index, int PerRound, List<double> Ms)>();
        foreach (int n in sizes)
        {
            foreach (EmbeddingStorageType storage in storages)
            {
                EmbeddingIndex index = BenchIndexes.Create(data.Data, n, Dimension, storage);
                for (int i = 0; i < 3; i++)
                {
                    index.Search(queries.Data.AsSpan(i * Dimension, Dimension), IndexSearchComparison.K); // warm-up (caches, page faults)
                }

                var sw = Stopwatch.StartNew();
                index.Search(queries.Data.AsSpan(0, Dimension), IndexSearchComparison.K);
                int reps = (int)Math.Clamp(Math.Ceiling(budgetMs / Math.Max(sw.Elapsed.TotalMilliseconds, 1e-3)), minReps, 500);
                points.Add((n, storage, index, (reps + rounds - 1) / rounds, []));
            }
        }

        for (int round = 0; round < rounds; round++)
        {
            ct.ThrowIfCancellationRequested();
            foreach (var p in points)
            {
                var sw = new Stopwatch();
                for (int r = 0; r < p.PerRound; r++)
                {
                    ReadOnlySpan<float> q = queries.Data.AsSpan(((p.Ms.Count + r) % IndexSearchComparison.BatchSize) * Dimension, Dimension);
                    sw.Restart();
                    p.Index.Search(q, IndexSearchComparison.K);
                    p.Ms.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
        }

        var medians = storages.ToDictionary(s => s, _ => new List<double>());
        foreach (var p in points)
        {
            double median = Stats.Median(p.Ms);
            medians[p.Storage].Add(median);
            int bytes = p.Storage == EmbeddingStorageType.Float32 ? 4 : 2;
            table.Add(p.N, p.Storage == EmbeddingStorageType.Float32 ? "f32" : "f16", p.Ms.Count, median, p.Ms.Min(), (double)p.N * Dimension * bytes / (median / 1000) / 1e9);
        }

        points.Clear();
        GC.Collect();
        context.Log("scaling index: " + string.Join(", ", sizes.Select((n, i) => $"{Format.Count(n)} f32 {medians[EmbeddingStorageType.Float32][i]:F2} ms f16 {medians[EmbeddingStorageType.Float16][i]:F2} ms")));

        double[] x = sizes.Select(n => (double)n).ToArray();
        var chart = new PerfChart("scaling-index", $"Single-query exact search time vs index size (d = {Dimension})", "index rows N", "ms per query (median)")
        {
            LogX = true,
            LogY = true,
        };
        foreach (var (storage, label, color) in new[] { (EmbeddingStorageType.Float32, "f32", 0), (EmbeddingStorageType.Float16, "f16", 1) })
        {
            double[] y = [.. medians[storage]];
            var (slope, intercept, r2) = Stats.LogLogFit(x, y);
            chart.Series.Add(new ChartSeries($"Nudge {label}", x, y) { ColorIndex = color });
            chart.Series.Add(new ChartSeries($"fit {label}: slope {slope:F2}", x, x.Select(v => Math.Exp(intercept) * Math.Pow(v, slope)).ToArray()) { Dashed = true, ColorIndex = color });
            result.Verdicts.Add(new Verdict($"index {label} time vs N ({Format.Count(sizes[0])}–{Format.Count(sizes[^1])}): log-log slope (R² {r2:F3})", slope, "", 1.0, GoalKind.Near, LinearTolerance));
            int big = Array.FindIndex(sizes, n => n >= 100_000);
            if (big >= 0 && sizes.Length - big >= 2)
            {
                var (bigSlope, _, _) = Stats.LogLogFit(x[big..], y[big..]);
                result.Verdicts.Add(new Verdict($"index {label} time vs N, N ≥ {Format.Count(sizes[big])} only: log-log slope", bigSlope, "", 1.0, GoalKind.Near, LinearTolerance));
            }
        }

        result.Charts.Add(chart);
        result.Note($"Index: the first N of the same {Format.Count(sizes[^1])} random unit vectors (d = {Dimension}, seed {o.Seed}), top-{IndexSearchComparison.K}, single query on all cores; median of {minReps}+ calls per point after 3 warm-up calls, the points taking turns in {rounds} rounds. A slope within {LinearTolerance} of 1 counts as linear.");
    }

    private static void StepScaling(BenchmarkContext context, ComparisonResult result, CancellationToken ct)
    {
        BenchmarkOptions o = context.Options;
        int[] steps = [.. (o.Steps ?? [10, 20, 50, 100]).Order()];
        int runs = o.Runs ?? (o.Quick ? 3 : 5);
        var pipeline = new DiffusionPipeline(BenchModels.Get(context));
        var request = new GenerationRequest { Prompt = GenerationComparison.Prompt, GuidanceScale = GenerationComparison.Guidance, Scheduler = "pndm", Count = 1, Seed = 1 };
        pipeline.Generate(request with { Steps = steps[0] }, cancellationToken: ct); // warm-up
        var totals = steps.ToDictionary(s => s, _ => new List<double>());
        var unets = steps.ToDictionary(s => s, _ => new List<double>());
        for (int r = 0; r < runs; r++)
        {
            // Step counts take turns, so that a noisy minute hits all of them.
            foreach (int s in steps)
            {
                GenerationTimings t = pipeline.Generate(request with { Steps = s, Seed = r + 2 }, cancellationToken: ct).Timings;
                totals[s].Add(t.Total.TotalMilliseconds);
                unets[s].Add(t.UNet.TotalMilliseconds);
            }
        }

        var table = new ResultTable("steps", ["steps", "runs", "median ms/image", "median UNet Run ms", "ms/step (UNet)", "fixed ms (wall − UNet)"]);
        result.Tables.Add(table);
        double[] x = steps.Select(s => (double)s).ToArray();
        double[] wall = steps.Select(s => Stats.Median(totals[s])).ToArray();
        double[] unet = steps.Select(s => Stats.Median(unets[s])).ToArray();
        for (int i = 0; i < steps.Length; i++)
        {
            table.Add(steps[i], runs, wall[i], unet[i], unet[i] / steps[i], wall[i] - unet[i]);
        }

        context.Log($"steps {string.Join(", ", steps)}: " + string.Join(", ", wall.Select(w => $"{w:F0} ms")));
        var chart = new PerfChart("scaling-steps", "Generation time vs inference steps (tiny model, batch 1, PNDM, guidance 7.5)", "steps", "ms per image (median)")
        {
            LogX = true,
            LogY = true,
        };
        foreach (var (label, y, color) in new[] { ("wall", wall, 0), ("UNet Run", unet, 1) })
        {
            var (slope, intercept, r2) = Stats.LogLogFit(x, y);
            chart.Series.Add(new ChartSeries($"C# {label}", x, y) { ColorIndex = color });
            chart.Series.Add(new ChartSeries($"fit {label}: slope {slope:F2}", x, x.Select(v => Math.Exp(intercept) * Math.Pow(v, slope)).ToArray()) { Dashed = true, ColorIndex = color });
            result.Verdicts.Add(new Verdict($"{label} time vs steps ({steps[0]}–{steps[^1]}): log-log slope (R² {r2:F3})", slope, "", 1.0, GoalKind.Near, LinearTolerance));
        }

        result.Charts.Add(chart);
        result.Note($"Steps: C# pipeline, {context.Options.EffectiveThreads} intra-op threads, batch 1, {runs} runs per step count (step counts interleaved) after a warm-up; wall includes the fixed text-encoder and VAE-decoder cost, which pulls the wall slope below 1.");
    }
}
