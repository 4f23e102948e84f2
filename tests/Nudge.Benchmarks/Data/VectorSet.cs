using Nudge.Benchmarks.Core;

namespace Nudge.Benchmarks.Data;

/// <summary>Generated unit vectors of one dimension, shared by the comparisons of an invocation through the context's cache.</summary>
public sealed class VectorSet
{
    private readonly string _scratch;
    private int _fileRows;

    private VectorSet(float[] data, int rows, int dimension, string scratch, string name)
    {
        Data = data;
        Rows = rows;
        Dimension = dimension;
        _scratch = scratch;
        Name = name;
    }

    /// <summary>The rows, row-major.</summary>
    public float[] Data { get; }

    /// <summary>Rows held.</summary>
    public int Rows { get; }

    /// <summary>Dimension.</summary>
    public int Dimension { get; }

    /// <summary>A short name for file names.</summary>
    public string Name { get; }

    /// <summary>The index rows of a dimension: at least <paramref name="rows"/> rows (a prefix of N rows is the same data for every N).</summary>
    /// <param name="context">The context (cache and scratch folder).</param>
    /// <param name="dimension">Dimension.</param>
    /// <param name="rows">Rows needed.</param>
    /// <returns>The set.</returns>
    public static VectorSet IndexRows(BenchmarkContext context, int dimension, int rows) => Get(context, "vectors", dimension, rows, context.Options.Seed);

    /// <summary>The 64 query vectors of a dimension (another seed than the rows).</summary>
    /// <param name="context">The context.</param>
    /// <param name="dimension">Dimension.</param>
    /// <returns>The set.</returns>
    public static VectorSet Queries(BenchmarkContext context, int dimension) => Get(context, "queries", dimension, 64, context.Options.Seed + 1);

    private static VectorSet Get(BenchmarkContext context, string kind, int dimension, int rows, ulong seed)
    {
        string key = $"{kind}:{dimension}";
        VectorSet? cached = context.Find<VectorSet>(key);
        if (cached is not null && cached.Rows >= rows)
        {
            return cached;
        }

        context.Evict(key);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var set = new VectorSet(UnitVectors.Generate(rows, dimension, seed), rows, dimension, context.ScratchDir, $"{kind}-{dimension}");
        if (rows > 1000)
        {
            context.Log($"generated {rows} random unit vectors of dimension {dimension} in {sw.Elapsed.TotalSeconds:F1} s");
        }

        return context.GetOrCreate(key, () => set);
    }

    /// <summary>A raw float32 file holding (at least) the first <paramref name="rows"/> rows, written once.</summary>
    /// <param name="rows">Rows the reader needs.</param>
    /// <returns>The file path.</returns>
    public string RawFile(int rows)
    {
        string path = Path.Combine(_scratch, Name + ".f32");
        if (_fileRows < rows)
        {
            UnitVectors.WriteRaw(path, Data, Rows, Dimension);
            _fileRows = Rows;
        }

        return path;
    }
}
