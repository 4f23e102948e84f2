using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Nudge.Benchmarks.Core;
using Nudge.Benchmarks.Data;
using Nudge.Benchmarks.InProcessPeers;
using Nudge.Indexing;
using Nudge.Indexing.Approximate;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Part 1: Nudge's exact index search (<see cref="EmbeddingIndex.Search"/>, <see cref="EmbeddingIndex.SearchBatch"/>;
/// float32 and float16 storage) against the strongest exact-search peers available here, on the same random unit
/// vectors, top-10 by inner product, single queries and batches of 64, at one thread and at every core on each side:
/// USearch's brute-force search (SimSIMD kernels, in process), FAISS <c>IndexFlatIP</c> and FAISS
/// <c>IndexScalarQuantizer</c> with fp16 codes (Debian's python3-faiss, in a peer process). The machine's memory
/// bandwidth is measured in the same run.
/// </summary>
public sealed class IndexSearchComparison : IComparison
{
    /// <summary>Hits per query.</summary>
    public const int K = 10;

    /// <summary>Queries per batch.</summary>
    public const int BatchSize = 64;

    private const string NudgeF32 = "Nudge f32", NudgeF16 = "Nudge f16", USearchF32 = "USearch f32", USearchF16 = "USearch f16",
        FaissF32 = "FAISS f32", FaissF16 = "FAISS SQfp16";

    private static readonly string[] Engines = [NudgeF32, USearchF32, FaissF32, NudgeF16, USearchF16, FaissF16];
    private static readonly string[] F32Peers = [USearchF32, FaissF32];
    private static readonly string[] F16Peers = [USearchF16, FaissF16];

    /// <summary>Set on this machine kind for the trainer's OpenBLAS; unset for FAISS so it runs its best kernels.</summary>
    private static readonly string[] UnsetForFaiss = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];

    /// <inheritdoc />
    public string Name => "index";

    /// <inheritdoc />
    public string Title => "Exact index search vs USearch and FAISS (top-10 inner product, 1 thread and all threads)";

    /// <inheritdoc />
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        BenchmarkOptions o = context.Options;
        int[] sizes = [.. (o.Sizes ?? [10_000, 100_000, 1_000_000]).Order()];
        // 768 last, so that `scaling` finds its vectors in the cache.
        int[] dims = [.. (o.Dims ?? (o.Quick ? [768] : [512, 768])).OrderBy(d => d == 768 ? 1 : 0)];
        int[] threadCounts = o.Threads > 0 ? [o.Threads] : Environment.ProcessorCount > 1 ? [1, Environment.ProcessorCount] : [1];
        var plan = new Plan(o.Quick ? 700 : 2500, o.Quick ? 3 : 5, o.Quick ? 40 : 200, o.Quick ? 2 : 3, o.Quick ? 2000 : double.PositiveInfinity, o.Quick ? 4000 : 30_000);
        var result = new ComparisonResult(Name, Title);

        MemoryBandwidth bw = context.GetOrCreate("bandwidth", () => MemoryBandwidth.Measure(o.Quick ? 3 : 5));
        context.Log($"memory bandwidth: copy {bw.CopyGBps:F1} GB/s read+write ({bw.CopySingleThreadGBps:F1} on one thread), read {bw.ReadGBps:F1} GB/s");
        MemoryBandwidth bwAtStart = bw;

        var raw = new ResultTable("runs", ["d", "N", "threads", "mode", "engine", "calls", "p50 ms/call", "p95 ms/call", "p99 ms/call", "min ms/call", "ms/query", "queries/s", "scan GB/s", "GFLOP/s"]) { Print = false };
        var summary = new ResultTable("summary", ["N×d", "threads", "mode", .. Engines.Select(e => e + " ms/q"), "f32 × best peer", "best f32 peer", "f16 × best peer", "best f16 peer"]);
        var quality = new ResultTable("quality", ["N×d", "Nudge f16 recall@10 vs f32", "USearch f32 overlap", "USearch f16 recall@10", "FAISS f32 overlap", "FAISS SQfp16 recall@10"]);
        result.Tables.Add(summary);
        result.Tables.Add(quality);
        result.Tables.Add(raw);
        var configs = new List<ConfigResult>();
        var skipped = new List<string>();
        FaissInfo? faissInfo = null;
        string usearchKernels = "";

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
                string at = $"{Format.Count(n)}×{d}";
                context.Log($"index {at}: building Nudge's float32 and float16 indices and USearch's datasets, starting FAISS flat and SQfp16");
                EmbeddingIndex f32 = BenchIndexes.Create(data.Data, n, d, EmbeddingStorageType.Float32);
                EmbeddingIndex f16 = BenchIndexes.Create(data.Data, n, d, EmbeddingStorageType.Float16);
                using var us32 = new USearchExactSearch(data.Data, n, d, half: false);
                using var us16 = new USearchExactSearch(data.Data, n, d, half: true);
                usearchKernels = $"{us32.Kernel} (f32), {us16.Kernel} (f16)";
                Array q32 = us32.PrepareQueries(queries.Data), q16 = us16.PrepareQueries(queries.Data);
                using PeerProcess faissFlat = await StartFaissAsync(o, dataFile, n, d, "flat", cancellationToken).ConfigureAwait(false);
                using PeerProcess faissSq = await StartFaissAsync(o, dataFile, n, d, "sq_fp16", cancellationToken).ConfigureAwait(false);
                faissInfo = FaissInfo.From(faissFlat.Ready);

                foreach (int threads in threadCounts)
                {
                    var config = new ConfigResult(n, d, threads);
                    EmbeddingIndex n32 = f32.WithSearchThreads(threads), n16 = f16.WithSearchThreads(threads);
                    foreach (int batch in new[] { 1, BatchSize })
                    {
                        var sides = new List<Side>
                        {
                            new(NudgeF32, 4, (reps, offset) => TimeNudge(n32, queries.Data, d, batch, reps, offset)),
                            new(USearchF32, 4, (reps, offset) => TimeUSearch(us32, q32, batch, reps, offset, threads)),
                            new(FaissF32, 4, (reps, offset) => TimeFaissAsync(faissFlat, queryFile, batch, reps, offset, threads, cancellationToken)),
                            new(NudgeF16, 2, (reps, offset) => TimeNudge(n16, queries.Data, d, batch, reps, offset)),
                            new(USearchF16, 2, (reps, offset) => TimeUSearch(us16, q16, batch, reps, offset, threads)),
                        };
                        // FAISS 1.7.3's fp16 scan has no batched kernel: a batch costs 64 single queries. Where that would
                        // take longer than the cap per call, it is left out and said so.
                        double sqSingle = batch == 1 ? 0 : config.PerQueryMs.GetValueOrDefault((1, FaissF16), double.NaN);
                        if (batch == 1 || sqSingle * BatchSize <= plan.MaxCallMs)
                        {
                            sides.Add(new(FaissF16, 2, (reps, offset) => TimeFaissAsync(faissSq, queryFile, batch, reps, offset, threads, cancellationToken)));
                        }
                        else
                        {
                            skipped.Add($"{at}, {threads} thread(s): FAISS SQfp16 batch 64 not measured (its single query took {sqSingle:F0} ms, so a batch call would take about {sqSingle * BatchSize / 1000:F0} s)");
                        }

                        await MeasureAsync(sides, plan).ConfigureAwait(false);
                        foreach (Side side in sides)
                        {
                            double[] sorted = [.. side.Ms.Order()];
                            double median = Stats.Median(sorted), perQuery = median / batch;
                            double gbps = (double)n * d * side.BytesPerValue / (median / 1000) / 1e9;
                            double gflops = 2.0 * n * d * batch / (median / 1000) / 1e9;
                            raw.Add(d, n, threads, Mode(batch), side.Engine, sorted.Length, median, Percentile(sorted, 0.95), Percentile(sorted, 0.99), sorted[0], perQuery, 1000 / perQuery, gbps, gflops);
                            config.PerQueryMs[(batch, side.Engine)] = perQuery;
                            config.ScanGBps[(batch, side.Engine)] = gbps;
                        }

                        context.Log($"  {threads} thread(s), {Mode(batch)}: " + string.Join(", ", sides.Select(s => $"{s.Engine} {Stats.Median(s.Ms) / batch:F3} ms/q")));
                        var (best32, ratio32) = config.AgainstBestPeer(batch, NudgeF32, F32Peers);
                        var (best16, ratio16) = config.AgainstBestPeer(batch, NudgeF16, F16Peers);
                        summary.Add([at, threads, Mode(batch), .. Engines.Select(e => (object?)config.Ms(batch, e)), ratio32, best32, ratio16, best16]);
                    }

                    configs.Add(config);
                }

                // Quality: each engine's top-10 against Nudge float32's (which is exact up to float rounding).
                var exact = f32.SearchBatch(queries.Data, K);
                double Overlap(Func<int, IEnumerable<long>> ids) => Enumerable.Range(0, BatchSize)
                    .Average(q => ids(q).Count(id => exact[q].Any(h => h.Row == id)) / (double)K);
                var half = f16.SearchBatch(queries.Data, K);
                ulong[] u32 = us32.Search(q32, 0, BatchSize, K, threadCounts[^1]), u16 = us16.Search(q16, 0, BatchSize, K, threadCounts[^1]);
                JsonElement flatIds = await FaissIdsAsync(faissFlat, queryFile, cancellationToken).ConfigureAwait(false);
                JsonElement sqIds = await FaissIdsAsync(faissSq, queryFile, cancellationToken).ConfigureAwait(false);
                quality.Add(at, Overlap(q => half[q].Select(h => (long)h.Row)), Overlap(q => u32.Skip(q * K).Take(K).Select(v => (long)v)),
                    Overlap(q => u16.Skip(q * K).Take(K).Select(v => (long)v)), Overlap(q => flatIds[q].EnumerateArray().Select(e => e.GetInt64())),
                    Overlap(q => sqIds[q].EnumerateArray().Select(e => e.GetInt64())));
                GC.Collect();
            }

            if (d != 768)
            {
                context.Evict($"vectors:{d}");
            }

            result.Charts.Add(Chart(d, configs.Where(r => r.D == d && r.Threads == threadCounts[^1]).ToList(), threadCounts[^1]));
        }

        // Measured again at the end (the best of both counts), so that a noisy minute at the start does not understate it.
        bw = MemoryBandwidth.Best(bwAtStart, MemoryBandwidth.Measure(o.Quick ? 3 : 5));
        context.GetOrCreate("bandwidth-final", () => bw);
        context.Log($"memory bandwidth (best of start and end): copy {bw.CopyGBps:F1} GB/s read+write, read {bw.ReadGBps:F1} GB/s");

        foreach (ConfigResult c in configs)
        {
            string at = $"{Format.Count(c.N)}×{c.D}, {c.Threads} thread{(c.Threads == 1 ? "" : "s")}";
            foreach (int batch in new[] { 1, BatchSize })
            {
                var (best32, ratio32) = c.AgainstBestPeer(batch, NudgeF32, F32Peers);
                var (best16, ratio16) = c.AgainstBestPeer(batch, NudgeF16, F16Peers);
                result.Verdicts.Add(new Verdict($"{Mode(batch)} f32 {at}: Nudge / best peer ({best32}) throughput", ratio32, "×", 1.0));
                result.Verdicts.Add(new Verdict($"{Mode(batch)} f16 {at}: Nudge / best peer ({best16}) throughput", ratio16, "×", 1.0));
            }
        }

        if (configs.FirstOrDefault(r => r.N == 1_000_000 && r.D == 768 && r.Threads == threadCounts[^1]) is { } big)
        {
            result.Verdicts.Add(new Verdict($"single query f32 1M×768, {big.Threads} threads: Nudge scan bandwidth / measured read bandwidth", big.ScanGBps[(1, NudgeF32)] / bw.ReadGBps, "%", 0.6));
            result.Verdicts.Add(new Verdict($"single query f32 1M×768, {big.Threads} threads: USearch scan bandwidth / measured read bandwidth", big.ScanGBps[(1, USearchF32)] / bw.ReadGBps, "%"));
        }

        result.Note($"Memory bandwidth, same run (best of a measurement before and after the searches): 1 GiB copy {bw.CopyGBps:F1} GB/s read+write on {Environment.ProcessorCount} threads ({bw.CopySingleThreadGBps:F1} on one); read-only pass {bw.ReadGBps:F1} GB/s.");
        result.Note($"Peers: USearch {ProximityGraph.LibraryVersion} (NuGet Cloud.Unum.USearch, its C library's usearch_exact_search, in this process; SimSIMD kernels {usearchKernels}), "
            + "on t threads as t row shards searched in parallel and merged (its C entry point builds a thread pool from its `threads` argument but searches on the calling thread). FAISS {faissInfo?.Version} (Debian python3-faiss, a generic build: its IndexFlatIP single-query kernel and its fp16 scalar quantizer are scalar code, "
            + $"its batch path is OpenBLAS sgemm) via {o.Python}, OpenMP threads set per call (omp_set_num_threads), OMP_WAIT_POLICY {(o.PassiveWait ? "PASSIVE" : "unset (spin-waiting)")}, "
            + "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE unset for it; FAISS 1.7.3 spreads fewer than 20 queries over threads by query, so its single query runs on one thread whatever the setting. "
            + $"Nudge: EmbeddingIndex.WithSearchThreads(threads). Threads measured: {string.Join(" and ", threadCounts)} of {Environment.ProcessorCount} cores.");
        result.Note($"FAISS's BLAS, read from its process maps: {faissInfo?.Blas} ({faissInfo?.BlasLibs}).");
        if (faissInfo?.Blas != "openblas")
        {
            // Reference BLAS makes FAISS's batch path tens of times slower: a ratio against it says nothing.
            result.Incomplete = true;
            result.Note("NOT COUNTED: the FAISS peer did not load OpenBLAS, so its batch numbers are not a fair peer; run scripts/bench-setup.sh.");
        }

        foreach (string s in skipped)
        {
            result.Note(s + ".");
        }

        result.Note($"Same random unit vectors on every side (seed {o.Seed}; FAISS reads the C# side's raw float32 file, USearch gets the same array, or a float16 copy of it); 64 random unit queries (seed {o.Seed + 1}); "
            + $"ms/q is the median call time (divided by 64 for batches); p95/p99 per call are in {Name}-runs.csv; each side {plan.MinReps}+ calls ({plan.Rounds} for calls over {plan.SlowCallMs / 1000} s) "
            + $"interleaved in {plan.Rounds} rounds after a warm-up call; × is Nudge's throughput over the fastest peer's at the same precision, threads and mode (f16 peers: USearch f16, FAISS SQfp16).");
        result.Note("GFLOP/s counts 2·N·d multiply-adds per query: a scan near the read bandwidth is memory-bound (single queries), a batch is bound by the multiply-add rate.");
        result.Note("Quality: overlap of each engine's top-10 with Nudge float32's (1.00 for the float32 engines, up to ties); float16 engines' recall@10 against it.");
        return result;
    }

    private static string Mode(int batch) => batch == 1 ? "single" : $"batch {batch}";

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    private static Task<PeerProcess> StartFaissAsync(BenchmarkOptions o, string dataFile, int n, int d, string kind, CancellationToken ct) =>
        PeerProcess.StartAsync(o.Python, Path.Combine(o.PeersDir, "faiss_search.py"),
            [dataFile, n.ToString(CultureInfo.InvariantCulture), d.ToString(CultureInfo.InvariantCulture), "0", kind],
            UnsetForFaiss, o.OpenMpEnvironment, TimeSpan.FromMinutes(5), ct);

    private static async Task<JsonElement> FaissIdsAsync(PeerProcess faiss, string queryFile, CancellationToken ct) =>
        (await faiss.RequestAsync(new { cmd = "ids", queries = queryFile, nq = BatchSize, k = K }, ct).ConfigureAwait(false)).GetProperty("ids");

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

    private static Task<double[]> TimeUSearch(USearchExactSearch search, Array queries, int batch, int reps, int offset, int threads)
    {
        var ms = new double[reps];
        var sw = new Stopwatch();
        for (int r = 0; r < reps; r++)
        {
            int first = batch == 1 ? (offset + r) % BatchSize : 0;
            sw.Restart();
            search.Search(queries, first, batch, K, threads);
            ms[r] = sw.Elapsed.TotalMilliseconds;
        }

        return Task.FromResult(ms);
    }

    private static async Task<double[]> TimeFaissAsync(PeerProcess faiss, string queryFile, int batch, int reps, int offset, int threads, CancellationToken ct)
    {
        JsonElement answer = await faiss.RequestAsync(new { cmd = "search", queries = queryFile, nq = BatchSize, batch, k = K, reps, offset, threads }, ct).ConfigureAwait(false);
        return answer.GetProperty("ms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }

    /// <summary>One warm-up call per side sizes the repetitions; then the sides take turns in rounds.</summary>
    private static async Task MeasureAsync(List<Side> sides, Plan plan)
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

    private static PerfChart Chart(int d, List<ConfigResult> configs, int threads)
    {
        var chart = new PerfChart($"index-d{d}", $"Exact top-{K} search, d = {d}, {threads} thread(s) a side: throughput (same run)", "index rows N", "queries per second")
        {
            LogX = true,
            LogY = true,
        };
        double[] x = configs.Select(c => (double)c.N).ToArray();
        foreach (int batch in new[] { 1, BatchSize })
        {
            foreach (string engine in Engines)
            {
                double[] y = configs.Select(c => 1000 / c.Ms(batch, engine)).ToArray();
                if (y.All(double.IsFinite))
                {
                    chart.Series.Add(new ChartSeries($"{engine}, {Mode(batch)}", x, y));
                }
            }
        }

        return chart;
    }

    private sealed record Plan(double BudgetMs, int MinReps, int MaxReps, int Rounds, double SlowCallMs, double MaxCallMs);

    private sealed record FaissInfo(string? Version, string Blas, string BlasLibs)
    {
        public static FaissInfo From(JsonElement ready) => new(
            ready.GetProperty("faiss").GetString(),
            ready.TryGetProperty("blas", out var blas) ? blas.GetString() ?? "unknown" : "unknown",
            ready.TryGetProperty("blas_libs", out var libs) ? string.Join(", ", libs.EnumerateArray().Select(l => l.GetString())) : "");
    }

    private sealed class Side(string engine, int bytesPerValue, Func<int, int, Task<double[]>> time)
    {
        public string Engine { get; } = engine;

        public int BytesPerValue { get; } = bytesPerValue;

        public Func<int, int, Task<double[]>> Time { get; } = time;

        public int PerRound { get; set; }

        public List<double> Ms { get; } = [];
    }

    private sealed class ConfigResult(int n, int d, int threads)
    {
        public int N { get; } = n;

        public int D { get; } = d;

        public int Threads { get; } = threads;

        public Dictionary<(int Batch, string Engine), double> PerQueryMs { get; } = [];

        public Dictionary<(int Batch, string Engine), double> ScanGBps { get; } = [];

        public double Ms(int batch, string engine) => PerQueryMs.GetValueOrDefault((batch, engine), double.NaN);

        /// <summary>The fastest measured peer among <paramref name="peers"/>, and <paramref name="engine"/>'s throughput over its.</summary>
        public (string Peer, double Ratio) AgainstBestPeer(int batch, string engine, string[] peers)
        {
            string best = peers.Where(p => double.IsFinite(Ms(batch, p))).MinBy(p => Ms(batch, p)) ?? peers[0];
            return (best, Ms(batch, best) / Ms(batch, engine));
        }
    }
}
