using System.Diagnostics;
using Nudge.Benchmarks.Core;
using Nudge.Indexing;
using Nudge.Indexing.Approximate;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// Approximate search (<see cref="ProximityGraph"/>: HNSW through USearch, exactly re-ranked) against Nudge's exact scan
/// on the same rows: recall@10 of fresh queries, top-1 of near-duplicates (the memorization case), single-query latency
/// percentiles, build time on every core, and the memory of each storage type. The rows are clustered unit vectors
/// (1,000 random centres, noise of norm 0.8), because uniform random vectors in 768 dimensions have no neighbourhoods
/// for any graph to follow and are not what embedders produce.
/// </summary>
public sealed class ApproximateSearchComparison : IComparison
{
    private const int Dimension = 768;
    private const int K = 10;
    private const int Clusters = 1000;
    private const float Spread = 0.8f;

    /// <inheritdoc />
    public string Name => "ann";

    /// <inheritdoc />
    public string Title => "Approximate search (HNSW via USearch, exact re-rank) vs exact scan";

    /// <inheritdoc />
    public Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        BenchmarkOptions o = context.Options;
        int[] sizes = [.. (o.Sizes ?? (o.Quick ? [100_000] : [100_000, 1_000_000])).Order()];
        int queryCount = o.Quick ? 200 : 500;
        var result = new ComparisonResult(Name, Title);
        var table = new ResultTable("summary", [
            "N×d", "method", "storage", "build s", "rows MB", "graph MB", "recall@10", "near-dup top-1",
            "p50 ms", "p95 ms", "p99 ms", "× exact f32 (p50)"]);
        result.Tables.Add(table);
        result.Note($"USearch {ProximityGraph.LibraryVersion}; graph M = 16, efConstruction = 128, ef = 64, {new ApproximateSearchOptions().CandidatesPerHit}×k candidates re-ranked exactly; "
            + $"built on {Environment.ProcessorCount} threads, searched one query at a time; exact scan on {Environment.ProcessorCount} threads.");
        result.Note($"Data: {Clusters} random unit centres, each row a centre plus Gaussian noise of norm {Spread}, normalized. Fresh queries are new rows from the same "
            + "distribution; near-duplicates are index rows plus noise of norm 0.03 (cosine about 0.9995 to their source).");

        int largest = sizes[^1];
        (float[] rows, float[] fresh, float[] nearDuplicates, int[] sources) = Generate(largest, queryCount, o.Seed);
        foreach (int n in sizes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string at = $"{Format.Count(n)}×{Dimension}";
            EmbeddingIndex exact32 = Data.BenchIndexes.Create(rows, n, Dimension, EmbeddingStorageType.Float32);
            EmbeddingIndex exact16 = Data.BenchIndexes.Create(rows, n, Dimension, EmbeddingStorageType.Float16);
            int[] nearRows = [.. Enumerable.Range(0, queryCount).Where(q => sources[q] < n)];

            context.Log($"ann {at}: exact references");
            string[][] truth = Enumerable.Range(0, queryCount).Select(q => Ids(exact32.Search(Query(fresh, q), K))).ToArray();
            double[] exactMs = Latencies(exact32, fresh, queryCount);
            double exactP50 = Percentile(exactMs, 0.50);
            table.Add(at, "exact", "f32", "-", Mb(n * 4L * Dimension), "-", 1.0, TopOne(exact32, nearDuplicates, sources, nearRows), exactP50, Percentile(exactMs, 0.95), Percentile(exactMs, 0.99), 1.0);
            double[] exact16Ms = Latencies(exact16, fresh, queryCount);
            table.Add(at, "exact", "f16", "-", Mb(n * 2L * Dimension), "-", Recall(exact16, fresh, truth), TopOne(exact16, nearDuplicates, sources, nearRows),
                Percentile(exact16Ms, 0.50), Percentile(exact16Ms, 0.95), Percentile(exact16Ms, 0.99), exactP50 / Percentile(exact16Ms, 0.50));

            foreach (GraphQuantization quantization in new[] { GraphQuantization.Int8, GraphQuantization.Float16, GraphQuantization.Float32 })
            {
                cancellationToken.ThrowIfCancellationRequested();
                context.Log($"ann {at}: building the {quantization} graph on {Environment.ProcessorCount} threads");
                var options = new ApproximateSearchOptions { MinEntries = 1, Quantization = quantization };
                long lastReport = 0;
                var progress = new Progress<int>(done =>
                {
                    if (done - Interlocked.Read(ref lastReport) >= n / 10)
                    {
                        Interlocked.Exchange(ref lastReport, done);
                        context.Log($"  {done:N0} of {n:N0} rows");
                    }
                });
                using ProximityGraph graph = ProximityGraph.Build(exact32, options, progress, cancellationToken);
                string file = Path.Combine(context.ScratchDir, $"graph-{n}-{quantization}.usearch");
                long graphBytes = graph.Save(file);
                File.Delete(file);
                EmbeddingIndex approximate = exact32.WithGraph(graph);
                double[] ms = Latencies(approximate, fresh, queryCount);
                double recall = Recall(approximate, fresh, truth);
                double topOne = TopOne(approximate, nearDuplicates, sources, nearRows);
                double speedup = exactP50 / Percentile(ms, 0.50);
                table.Add(at, $"HNSW ({graph.Kernel})", $"f32 rows + {Short(quantization)} graph", graph.BuildTime.TotalSeconds, Mb(n * 4L * Dimension), Mb(graphBytes),
                    recall, topOne, Percentile(ms, 0.50), Percentile(ms, 0.95), Percentile(ms, 0.99), speedup);
                context.Log($"  built in {graph.BuildTime.TotalSeconds:F0} s; recall@10 {recall:F4}; near-dup top-1 {topOne:F4}; p50 {Percentile(ms, 0.50):F3} ms ({speedup:F1}× exact)");
                if (n == largest)
                {
                    result.Verdicts.Add(new Verdict($"{at} {Short(quantization)} graph: speed-up over exact f32 (p50)", speedup, "×", 20));
                    result.Verdicts.Add(new Verdict($"{at} {Short(quantization)} graph: recall@10", recall, "", 0.99));
                    result.Verdicts.Add(new Verdict($"{at} {Short(quantization)} graph: near-duplicate top-1", topOne, ""));
                }
            }
        }

        return Task.FromResult(result);
    }

    private static string Short(GraphQuantization q) => q switch { GraphQuantization.Float32 => "f32", GraphQuantization.Float16 => "f16", _ => "i8" };

    private static double Mb(long bytes) => bytes / 1e6;

    private static ReadOnlySpan<float> Query(float[] queries, int q) => queries.AsSpan(q * Dimension, Dimension);

    private static string[] Ids(IReadOnlyList<SearchHit> hits) => [.. hits.Select(h => h.Id)];

    private static double[] Latencies(EmbeddingIndex index, float[] queries, int count)
    {
        for (int q = 0; q < Math.Min(20, count); q++)
        {
            index.Search(Query(queries, q), K); // warm-up: JIT and caches
        }

        var ms = new double[count];
        for (int q = 0; q < count; q++)
        {
            long start = Stopwatch.GetTimestamp();
            index.Search(Query(queries, q), K);
            ms[q] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        return ms;
    }

    private static double Recall(EmbeddingIndex index, float[] queries, string[][] truth)
    {
        int found = 0, wanted = 0;
        for (int q = 0; q < truth.Length; q++)
        {
            found += Ids(index.Search(Query(queries, q), K)).Intersect(truth[q]).Count();
            wanted += truth[q].Length;
        }

        return (double)found / wanted;
    }

    private static double TopOne(EmbeddingIndex index, float[] nearDuplicates, int[] sources, int[] queries) =>
        queries.Length == 0 ? double.NaN
        : (double)queries.Count(q => index.Search(Query(nearDuplicates, q), 1)[0].Id == "v" + sources[q]) / queries.Length;

    private static double Percentile(double[] values, double p)
    {
        double[] sorted = [.. values.Order()];
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    /// <summary>The rows, fresh queries and near-duplicate queries (with the row each copies), deterministic from the seed.</summary>
    private static (float[] Rows, float[] Fresh, float[] NearDuplicates, int[] Sources) Generate(int rows, int queries, ulong seed)
    {
        float[] centres = Data.UnitVectors.Generate(Clusters, Dimension, seed ^ 0xC1u);
        float[] rowNoise = Data.UnitVectors.Generate(rows + queries, Dimension, seed ^ 0xC2u);
        float[] dupNoise = Data.UnitVectors.Generate(queries, Dimension, seed ^ 0xC3u);
        var random = new Random((int)(seed % int.MaxValue));
        int[] centreOf = [.. Enumerable.Range(0, rows + queries).Select(_ => random.Next(Clusters))];
        int[] sources = [.. Enumerable.Range(0, queries).Select(q => (int)((long)q * rows / queries))];
        float[] all = GC.AllocateUninitializedArray<float>((rows + queries) * Dimension);
        Parallel.For(0, rows + queries, i =>
        {
            Span<float> row = all.AsSpan(i * Dimension, Dimension);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(rowNoise.AsSpan(i * Dimension, Dimension), Spread, centres.AsSpan(centreOf[i] * Dimension, Dimension), row);
            System.Numerics.Tensors.TensorPrimitives.Divide(row, System.Numerics.Tensors.TensorPrimitives.Norm(row), row);
        });
        float[] near = new float[queries * Dimension];
        for (int q = 0; q < queries; q++)
        {
            Span<float> dup = near.AsSpan(q * Dimension, Dimension);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(dupNoise.AsSpan(q * Dimension, Dimension), 0.03f, all.AsSpan(sources[q] * Dimension, Dimension), dup);
            System.Numerics.Tensors.TensorPrimitives.Divide(dup, System.Numerics.Tensors.TensorPrimitives.Norm(dup), dup);
        }

        return (all[..(rows * Dimension)], all[(rows * Dimension)..], near, sources);
    }
}
