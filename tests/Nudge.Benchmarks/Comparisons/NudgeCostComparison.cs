using System.Diagnostics;
using Nudge.Benchmarks.Core;
using Nudge.Engine.Generation;
using Nudge.Engine.Models;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Pipeline;
using Nudge.Orchestration;
using Nudge.Storage.Local;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// What the method costs, against plain generation of the same request in the same run: the filter chain on clean
/// images (goal ≤ 5%), and a triggered image with its nudge rounds (goal ≤ 2×, median). Plain and guarded runs
/// alternate request by request so drifting load hits both sides alike.
/// </summary>
public sealed class NudgeCostComparison : IComparison
{
    private static readonly string[] CleanPrompts =
    [
        "a red circle on a blue background", "a small green star on a striped white background", "a yellow square on a plain black background",
        "a large blue triangle on a checkered orange background", "a white ring on a gradient purple background", "a cyan cross on a red background",
        "a black hexagon on a plain yellow background", "a small pink diamond on a striped green background",
    ];

    // The tiny model's operating guidance (its card): there it memorizes every seed of its memorized captions.
    private const float Guidance = 3f;

    /// <inheritdoc/>
    public string Name => "nudge";

    /// <inheritdoc/>
    public string Title => "Nudge cost: filters on clean images and a triggered image, relative to plain generation";

    /// <inheritdoc/>
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var result = new ComparisonResult(Name, Title);
        int seeds = o.Quick ? 2 : 4;
        int repeats = o.Runs ?? (o.Quick ? 1 : 3);
        string store = Path.Combine(context.ScratchDir, "nudge-store");
        using var model = StableDiffusionModel.Load(o.ModelDir, new ModelLoadOptions { ExecutionProvider = ExecutionProvider.Cpu, IntraOpThreads = o.EffectiveThreads, IntraOpSpinning = !o.PassiveWait });
        using var services = new NudgeWorkerServices(model, new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = store, FlushToDisk = false }));
        var guarded = await services.GetNudgingPipelineAsync(cancellationToken);
        var plain = services.Pipeline;
        var memorized = MemorizedSet.Read(o.ModelDir);

        // Warm-up both paths (arenas, the embedder's sessions).
        plain.Generate(new GenerationRequest { Prompt = CleanPrompts[0], Seed = 1, GuidanceScale = Guidance }, cancellationToken: cancellationToken);
        guarded.Generate(new GenerationRequest { Prompt = CleanPrompts[0], Seed = 1, GuidanceScale = Guidance }, cancellationToken: cancellationToken);

        var clean = new List<(double Plain, double Guarded)>();
        var triggered = new List<(double Plain, double Guarded, int Rounds, ImageOutcome Outcome)>();
        int memorizedClean = 0;
        var requests = CleanPrompts.SelectMany(p => Enumerable.Range(1, seeds).Select(s => (Prompt: p, Seed: (long)s, Memorized: false)))
            .Concat(memorized.SelectMany(m => Enumerable.Range(0, seeds).Select(s => (Prompt: m.Caption, Seed: (long)s, Memorized: true))))
            .ToList();
        context.Log($"nudge: {requests.Count} requests x {repeats} repeat(s), plain and guarded alternating");
        foreach (var (prompt, seed, isMemorized) in requests)
        {
            var request = new GenerationRequest { Prompt = prompt, Seed = seed, GuidanceScale = Guidance };
            var plainMs = new List<double>();
            var guardedMs = new List<double>();
            GuardedResult? last = null;
            for (int r = 0; r < repeats; r++)
            {
                var sw = Stopwatch.StartNew();
                plain.Generate(request, cancellationToken: cancellationToken);
                plainMs.Add(sw.Elapsed.TotalMilliseconds);
                sw.Restart();
                last = guarded.Generate(request, cancellationToken: cancellationToken);
                guardedMs.Add(sw.Elapsed.TotalMilliseconds);
            }

            var image = last!.Images[0];
            if (image.Outcome == ImageOutcome.Clean)
            {
                if (isMemorized)
                {
                    memorizedClean++;
                }
                else
                {
                    clean.Add((Stats.Median(plainMs), Stats.Median(guardedMs)));
                }
            }
            else if (isMemorized)
            {
                triggered.Add((Stats.Median(plainMs), Stats.Median(guardedMs), image.Rounds.Count, image.Outcome));
            }
        }

        var table = new ResultTable("summary", ["case", "n", "plain median (ms)", "guarded median (ms)", "ratio of medians", "median of per-image ratios"]);
        double cleanRatio = clean.Count == 0 ? double.NaN : Stats.Median(clean.Select(c => c.Guarded / c.Plain));
        double trigRatio = triggered.Count == 0 ? double.NaN : Stats.Median(triggered.Select(c => c.Guarded / c.Plain));
        table.Add("clean control prompts (filters only)", clean.Count, Stats.Median(clean.Select(c => c.Plain)), Stats.Median(clean.Select(c => c.Guarded)),
            Stats.Median(clean.Select(c => c.Guarded)) / Stats.Median(clean.Select(c => c.Plain)), cleanRatio);
        table.Add("triggered memorized captions (filters + nudge rounds)", triggered.Count, Stats.Median(triggered.Select(c => c.Plain)), Stats.Median(triggered.Select(c => c.Guarded)),
            Stats.Median(triggered.Select(c => c.Guarded)) / Stats.Median(triggered.Select(c => c.Plain)), trigRatio);
        result.Tables.Add(table);

        var detail = new ResultTable("triggered", ["plain (ms)", "guarded (ms)", "ratio", "rounds", "outcome"]) { Print = false };
        foreach (var t in triggered)
        {
            detail.Add(t.Plain, t.Guarded, t.Guarded / t.Plain, t.Rounds, t.Outcome.ToString().ToLowerInvariant());
        }

        result.Tables.Add(detail);
        result.Verdicts.Add(new Verdict("filter overhead on clean images (median per-image ratio − 1)", cleanRatio - 1, "%", 0.05, GoalKind.AtMost));
        result.Verdicts.Add(new Verdict("triggered image cost vs plain (median per-image ratio)", trigRatio, "×", 2.0, GoalKind.AtMost));
        result.Note($"Model {model.Name}, {model.ExecutionProvider}, 20 PNDM steps at guidance {Guidance:g}; memorization filter: " +
            $"{(services.CopyDetector is null ? "the embedder (no copy detector)" : $"copy detector at {services.CopyDetector.Threshold:F2}")}; nudge spaces {services.Policy.Nudge.Spaces}; " +
            $"{seeds} seed(s) per prompt, median of {repeats} run(s) per side per request; " +
            $"{memorizedClean} memorized-caption request(s) came out clean and are in neither row. Load average at the end: {BenchmarkContext.LoadAverage()}.");

        var chart = new PerfChart("nudge-cost", "Guarded / plain time per image", "case", "ratio") { Kind = ChartKind.Bars, Categories = ["clean (filters)", "triggered (nudged)"] };
        chart.Series.Add(new ChartSeries("median ratio", [0, 1], [cleanRatio, trigRatio]));
        result.Charts.Add(chart);
        return result;
    }
}
