using BenchmarkDotNet.Attributes;
using Nudge.Benchmarks.Data;
using Nudge.Indexing;

namespace Nudge.Benchmarks.Micro;

/// <summary>
/// BenchmarkDotNet micro-benchmarks of the exact scan (run with <c>micro --filter '*IndexSearch*'</c>): one query and a
/// batch of 64 over 100k random unit vectors of dimension 768, float32 and float16 storage.
/// </summary>
[MemoryDiagnoser]
public class IndexSearchBenchmarks
{
    private const int Dimension = 768;
    private EmbeddingIndex _index = null!;
    private float[] _queries = null!;

    /// <summary>Rows in the index.</summary>
    [Params(100_000)]
    public int Rows { get; set; }

    /// <summary>Storage type.</summary>
    [Params(EmbeddingStorageType.Float32, EmbeddingStorageType.Float16)]
    public EmbeddingStorageType Storage { get; set; }

    /// <summary>Builds the index.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _index = BenchIndexes.Create(UnitVectors.Generate(Rows, Dimension, 20240607), Rows, Dimension, Storage);
        _queries = UnitVectors.Generate(64, Dimension, 20240608);
    }

    /// <summary>One query, top 10.</summary>
    /// <returns>The hits.</returns>
    [Benchmark]
    public IReadOnlyList<SearchHit> Single() => _index.Search(_queries.AsSpan(0, Dimension), 10);

    /// <summary>64 queries in one pass, top 10 each.</summary>
    /// <returns>The hits.</returns>
    [Benchmark(OperationsPerInvoke = 64)]
    public IReadOnlyList<IReadOnlyList<SearchHit>> Batch64() => _index.SearchBatch(_queries, 10);
}
