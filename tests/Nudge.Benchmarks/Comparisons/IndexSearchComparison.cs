using System.Diagnostics;
using System.Text.Json;
using Nudge.Benchmarks.Core;
using Nudge.Benchmarks.Data;
using Nudge.Indexing;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Part 1: Nudge's exact index search (<see cref="EmbeddingIndex.Search"/>, <see cref="EmbeddingIndex.SearchBatch"/>;
/// float32 and float16 storage) against FAISS <c>IndexFlatIP</c> (Debian's python3-faiss, in a peer process) on the
/// same random unit vectors, top-10 cosine, single queries and batches of 64, with the machine's memory bandwidth
/// measured in the same run.
/// </summary>
public sealed class IndexSearchComparison : IComparison
{
    /// <summary>Hits per query.</summary>
    public const int K = 10;

    /// <summary>Queries per batch.</summary>
    public const int BatchSize = 64;

    /// <summary>Set on this machine kind for the trainer's OpenBLAS; unset for FAISS so it runs its best kernels.</summary>
    private static readonly string[] UnsetForFaiss = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    /// <inheritdoc />
    public string Name => "index";

    /// <inheritdoc />
    public string Title => "Index search vs FAISS IndexFlatIP (exact top-10 cosine)";

    /// <inheritdoc />
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        BenchmarkOptions o = context.Options;
        int[] sizes = [.. (o.Sizes ?? [10_000, 100_000, 1_000_000]).Order()];
        // 768 last, so that `scaling` finds its vectors in the cache.
        int[] dims = [.. (o.Dims ?? (o.Quick ? [768] : [512, 768])).OrderBy(d => d == 768 ? 1 : 0)];
        var plan = new Plan(o.Quick ? 700 : 2500, o.Quick ? 3 : 5, o.Quick ? 40 : 200, o.Quick ? 2 : 3, o.Quick ? 2000 : double.PositiveInfinity);
        var result = new ComparisonResult(Name, Title);

        MemoryBandwidth bw = context.GetOrCreate("bandwidth", () => MemoryBandwidth.Measure(o.Quick ? 3 : 5));
        context.Log($"memory bandwidth: copy {bw.CopyGBps:F1} GB/s read+write ({bw.CopySingleThreadGBps:F1} on one thread), read {bw.ReadGBps:F1} GB/s");
        MemoryBandwidth bwAtStart = bw;

        var raw = new ResultTable("runs", ["d", "N", "mode", "engine", "calls", "median ms/call", "min ms/call", "ms/query", "queries/s", "scan GB/s"]) { Print = false };
        var summary = new ResultTable("summary", ["N×d", "FAISS f32 ms/q", "Nudge f32 ms/q", "Nudge f16 ms/q", "f32 ×", "f16 ×", "FAISS batch ms/q", "Nudge batch ms/q", "batch ×", "f16 recall@10", "recall vs FAISS", "f32 scan GB/s", "% of read BW"]);
        result.Tables.Add(summary);
        result.Tables.Add(raw);
        var rows = new List<ConfigResult>();
        string? faissVersion = null;
        int faissThreads = 0;
        string faissBlas = "unknown", faissBlasLibs = "";

        foreach (int d in dims)
        {
            VectorSet data = VectorSet.IndexRows(context, d, sizes[^1]);
            VectorSet queries = VectorSet.Queries(context, d);
            string dataFile = data.RawFile(sizes[^1]);
            string queryFile = queries.RawFile(BatchSize);
            BenchIndexes.WarmUpJit(context, data.Data, queries.Data, d);

            foreach (int n in sizes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                context.Log($"index {Format.Count(n)}×{d}: building float32 and float16 indices, starting FAISS");
                EmbeddingIndex f32 = BenchIndexes.Create(data.Data, n, d, EmbeddingStorageType.Float32);
                EmbeddingIndex f16 = BenchIndexes.Create(data.Data, n, d, EmbeddingStorageType.Float16);
                using PeerProcess faiss = await PeerProcess.StartAsync(o.Python, Path.Combine(o.PeersDir, "faiss_search.py"),
                    [dataFile, n.ToString(System.Globalization.CultureInfo.InvariantCulture), d.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                    UnsetForFaiss, o.OpenMpEnvironment, TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false);
                faissVersion = faiss.Ready.GetProperty("faiss").GetString();
                faissThreads = faiss.Ready.GetProperty("threads").GetInt32();
                faissBlas = faiss.Ready.TryGetProperty("blas", out var blas) ? blas.GetString() ?? "unknown" : "unknown";
                faissBlasLibs = faiss.Ready.TryGetProperty("blas_libs", out var libs) ? string.Join(", ", libs.EnumerateArray().Select(l => l.GetString())) : "";

                var config = new ConfigResult(n, d);
                foreach (int batch in new[] { 1, BatchSize })
                {
                    var sides = new Side[]
                    {
                        new("Nudge f32", 4, (reps, offset) => TimeNudge(f32, queries.Data, d, batch, reps, offset)),
                        new("Nudge f16", 2, (reps, offset) => TimeNudge(f16, queries.Data, d, batch, reps, offset)),
                        new("FAISS f32", 4, (reps, offset) => TimeFaissAsync(faiss, queryFile, batch, reps, offset, cancellationToken)),
                    };
                    await MeasureAsync(sides, plan).ConfigureAwait(false);
                    foreach (Side side in sides)
                    {
                        double median = Stats.Median(side.Ms), perQuery = median / batch;
                        double gbps = (double)n * d * side.BytesPerValue / (median / 1000) / 1e9;
                        raw.Add(d, n, batch == 1 ? "single" : $"batch {batch}", side.Engine, side.Ms.Count, median, side.Ms.Min(), perQuery, 1000 / perQuery, gbps);
                        config.PerQueryMs[(batch, side.Engine)] = perQuery;
                        config.ScanGBps[(batch, side.Engine)] = gbps;
                    }

                    context.Log($"  {(batch == 1 ? "single" : "batch " + batch)}: " + string.Join(", ", sides.Select(s => $"{s.Engine} {Stats.Median(s.Ms) / batch:F3} ms/q ({s.Ms.Count} calls)")));
                }

                // Quality: float16 against float32 (same engine), and Nudge float32 against FAISS (a sanity check of the peer).
                var exact = f32.SearchBatch(queries.Data, K);
                var half = f16.SearchBatch(queries.Data, K);
                JsonElement ids = (await faiss.RequestAsync(new { cmd = "ids", queries = queryFile, nq = BatchSize, k = K }, cancellationToken).ConfigureAwait(false)).GetProperty("ids");
                double recall16 = 0, recallFaiss = 0;
                for (int q = 0; q < BatchSize; q++)
                {
                    var truth = exact[q].Select(h => h.Row).ToHashSet();
                    recall16 += half[q].Count(h => truth.Contains(h.Row)) / (double)K;
                    recallFaiss += ids[q].EnumerateArray().Count(e => truth.Contains(e.GetInt32())) / (double)K;
                }

                config.Recall16 = recall16 / BatchSize;
                config.RecallFaiss = recallFaiss / BatchSize;
                rows.Add(config);
                summary.Add($"{Format.Count(n)}×{d}", config.Ms(1, "FAISS f32"), config.Ms(1, "Nudge f32"), config.Ms(1, "Nudge f16"),
                    config.Speedup(1, "Nudge f32"), config.Speedup(1, "Nudge f16"), config.Ms(BatchSize, "FAISS f32"), config.Ms(BatchSize, "Nudge f32"),
                    config.Speedup(BatchSize, "Nudge f32"), config.Recall16, config.RecallFaiss, config.ScanGBps[(1, "Nudge f32")],
                    100 * config.ScanGBps[(1, "Nudge f32")] / bw.ReadGBps);
                GC.Collect();
            }

            if (d != 768)
            {
                context.Evict($"vectors:{d}");
            }

            result.Charts.Add(Chart(d, rows.Where(r => r.D == d).ToList()));
        }

        // Measured again at the end (the best of both counts), so that a noisy minute at the start does not understate it.
        bw = MemoryBandwidth.Best(bwAtStart, MemoryBandwidth.Measure(o.Quick ? 3 : 5));
        context.GetOrCreate("bandwidth-final", () => bw);
        context.Log($"memory bandwidth (best of start and end): copy {bw.CopyGBps:F1} GB/s read+write, read {bw.ReadGBps:F1} GB/s");
        foreach (object?[] row in summary.Rows)
        {
            row[^1] = 100 * (double)row[^2]! / bw.ReadGBps;
        }

        foreach (ConfigResult c in rows)
        {
            string at = $"{Format.Count(c.N)}×{c.D}";
            result.Verdicts.Add(new Verdict($"single query f32 {at}: Nudge/FAISS throughput", c.Speedup(1, "Nudge f32"), "×", 1.5));
            result.Verdicts.Add(new Verdict($"single query f16 {at}: Nudge f16 / FAISS f32 throughput", c.Speedup(1, "Nudge f16"), "×", 3.0));
            result.Verdicts.Add(new Verdict($"f16 recall@10 vs f32 {at}", c.Recall16, "", 0.99));
            result.Verdicts.Add(new Verdict($"batch 64 f32 {at}: Nudge/FAISS throughput", c.Speedup(BatchSize, "Nudge f32"), "×", 1.0));
        }

        if (rows.FirstOrDefault(r => r.N == 1_000_000 && r.D == 768) is { } big)
        {
            result.Verdicts.Add(new Verdict("single query f32 1M×768: scan bandwidth / measured read bandwidth", big.ScanGBps[(1, "Nudge f32")] / bw.ReadGBps, "%", 0.6));
            result.Verdicts.Add(new Verdict("single query f32 1M×768: scan bandwidth / copy bandwidth (read+write)", big.ScanGBps[(1, "Nudge f32")] / bw.CopyGBps, "%"));
            result.Verdicts.Add(new Verdict("single query f32 1M×768: FAISS scan bandwidth / measured read bandwidth", big.ScanGBps[(1, "FAISS f32")] / bw.ReadGBps, "%"));
        }

        result.Note($"Memory bandwidth, same run (best of a measurement before and after the searches): 1 GiB copy {bw.CopyGBps:F1} GB/s read+write on {Environment.ProcessorCount} threads ({bw.CopySingleThreadGBps:F1} on one); read-only pass {bw.ReadGBps:F1} GB/s.");
        result.Note($"FAISS's BLAS, read from its process maps: {faissBlas} ({faissBlasLibs}).");
        if (faissBlas != "openblas")
        {
            // Reference BLAS makes FAISS's batch path tens of times slower: a ratio against it says nothing.
            result.Incomplete = true;
            result.Note("NOT COUNTED: the FAISS peer did not load OpenBLAS, so its batch numbers are not a fair peer; run scripts/bench-setup.sh.");
        }

        result.Note($"FAISS {faissVersion} IndexFlatIP via {o.Python} (OpenMP threads {faissThreads}, OMP_WAIT_POLICY {(o.PassiveWait ? "PASSIVE" : "unset (spin-waiting)")}; OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for it); Nudge's scan splits across {Environment.ProcessorCount} cores.");
        result.Note($"Same random unit vectors on both sides (seed {o.Seed}; FAISS reads the C# side's raw float32 file); 64 random unit queries (seed {o.Seed + 1}); ms/q is the median call time (divided by 64 for batches); each side {plan.MinReps}+ calls ({plan.Rounds} for calls over {plan.SlowCallMs / 1000} s) interleaved in {plan.Rounds} rounds after a warm-up call; × is Nudge's throughput over FAISS float32's.");
        result.Note($"recall vs FAISS: overlap of Nudge float32's top-10 with FAISS's (should be 1.0); f16 recall@10: overlap of Nudge float16's top-10 with float32's.");
        return result;
    }

    private static Task<double[]> TimeNudge(EmbeddingIndex index, float[] queries, int d, int batch, int reps, int offset)
    {
        var ms = new double[reps];
        var sw = new Stopwatch();
        for (int r = 0; r < reps; r++)
        {
            if (batch == 1)
            {
                ReadOnlySpan<float> q = queries.AsSpan(((offset + r) % BatchSize) * d, d);
                sw.Restart();
                index.Search(q, K);
            }
            else
            {
                sw.Restart();
                index.SearchBatch(queries.AsSpan(0, batch * d), K);
            }

            ms[r] = sw.Elapsed.TotalMilliseconds;
        }

        return Task.FromResult(ms);
    }

    private static async Task<double[]> TimeFaissAsync(PeerProcess faiss, string queryFile, int batch, int reps, int offset, CancellationToken ct)
    {
        JsonElement answer = await faiss.RequestAsync(new { cmd = "search", queries = queryFile, nq = BatchSize, batch, k = K, reps, offset }, ct).ConfigureAwait(false);
        return answer.GetProperty("ms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    /// <summary>One warm-up call per side sizes the repetitions; then the sides take turns in rounds.</summary>
    private static async Task MeasureAsync(Side[] sides, Plan plan)
    {
        foreach (Side side in sides)
        {
            double first = (await side.Time(1, 0).ConfigureAwait(false))[0];
            int minReps = first > plan.SlowCallMs ? plan.Rounds : plan.MinReps; // calls of seconds: one per round
            int reps = (int)Math.Clamp(Math.Ceiling(plan.BudgetMs / Math.Max(first, 1e-3)), minReps, plan.MaxReps);
            side.PerRound = Math.Max(1, (reps + plan.Rounds - 1) / plan.Rounds);
        }

        for (int round = 0; round < plan.Rounds; round++)
        {
            foreach (Side side in sides)
            {
                side.Ms.AddRange(await side.Time(side.PerRound, side.Ms.Count + 1).ConfigureAwait(false));
            }
        }
    }

    private static PerfChart Chart(int d, List<ConfigResult> configs)
    {
        var chart = new PerfChart($"index-d{d}", $"Exact top-{K} search, d = {d}: throughput (same run, both sides)", "index rows N", "queries per second")
        {
            LogX = true,
            LogY = true,
        };
        double[] x = configs.Select(c => (double)c.N).ToArray();
        foreach (var (batch, engine, label) in new[]
        {
            (1, "Nudge f32", "Nudge f32, single query"), (1, "Nudge f16", "Nudge f16, single query"), (1, "FAISS f32", "FAISS f32, single query"),
            (BatchSize, "Nudge f32", "Nudge f32, batch 64"), (BatchSize, "FAISS f32", "FAISS f32, batch 64"),
        })
        {
            chart.Series.Add(new ChartSeries(label, x, configs.Select(c => 1000 / c.PerQueryMs[(batch, engine)]).ToArray()));
        }

        return chart;
    }

    private sealed record Plan(double BudgetMs, int MinReps, int MaxReps, int Rounds, double SlowCallMs);

    private sealed class Side(string engine, int bytesPerValue, Func<int, int, Task<double[]>> time)
    {
        public string Engine { get; } = engine;

        public int BytesPerValue { get; } = bytesPerValue;

        public Func<int, int, Task<double[]>> Time { get; } = time;

        public int PerRound { get; set; }

        public List<double> Ms { get; } = [];
    }

    private sealed class ConfigResult(int n, int d)
    {
        public int N { get; } = n;

        public int D { get; } = d;

        public Dictionary<(int Batch, string Engine), double> PerQueryMs { get; } = [];

        public Dictionary<(int Batch, string Engine), double> ScanGBps { get; } = [];

        public double Recall16 { get; set; }

        public double RecallFaiss { get; set; }

        public double Ms(int batch, string engine) => PerQueryMs[(batch, engine)];

        /// <summary>Throughput of an engine over FAISS float32's, same mode.</summary>
        public double Speedup(int batch, string engine) => PerQueryMs[(batch, "FAISS f32")] / PerQueryMs[(batch, engine)];
    }
}
