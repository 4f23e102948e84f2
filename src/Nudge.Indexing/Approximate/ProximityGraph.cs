using System.Diagnostics;
using Cloud.Unum.USearch;

namespace Nudge.Indexing.Approximate;

/// <summary>
/// An HNSW proximity graph (USearch, inner product) over the rows of one <see cref="EmbeddingIndex"/> snapshot: key i
/// is row i. It only proposes candidates; <see cref="EmbeddingIndex"/> re-ranks them exactly. Safe to search from many
/// threads. The native memory is released by <see cref="Dispose"/> or, failing that, by the finalizer.
/// </summary>
public sealed class ProximityGraph : IDisposable
{
    /// <summary>Searches that run at once; more wait for a slot (USearch would fail them instead).</summary>
    private static readonly int SearchThreads = Math.Max(16, Environment.ProcessorCount * 4);

    private readonly USearchIndex _graph;
    private readonly SemaphoreSlim _searchSlots = new(SearchThreads, SearchThreads);
    private readonly long _nativeBytes;
    private int _disposed;

    private ProximityGraph(USearchIndex graph, int count, int dimension, ApproximateSearchOptions options, long nativeBytes, TimeSpan buildTime)
    {
        _graph = graph;
        Count = count;
        Dimension = dimension;
        Options = options;
        BuildTime = buildTime;
        _nativeBytes = nativeBytes;
        if (nativeBytes > 0)
        {
            GC.AddMemoryPressure(nativeBytes);
        }
    }

    /// <summary>Rows in the graph.</summary>
    public int Count { get; }

    /// <summary>The vectors' dimension.</summary>
    public int Dimension { get; }

    /// <summary>The options it was built or loaded with.</summary>
    public ApproximateSearchOptions Options { get; }

    /// <summary>How long building took (zero for a loaded graph).</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>The SIMD kernels USearch picked for this graph (e.g. <c>skylake</c>), for benchmark reports.</summary>
    public string Kernel => _graph.HardwareAcceleration();

    /// <summary>The USearch library version.</summary>
    public static string LibraryVersion => USearchCapabilities.Version();

    /// <summary>Builds a graph over every row of <paramref name="index"/>, inserting rows on <see cref="ApproximateSearchOptions.BuildThreads"/> threads.</summary>
    /// <param name="index">The index snapshot.</param>
    /// <param name="options">Graph settings.</param>
    /// <param name="progress">Receives the rows inserted so far, about every 1%.</param>
    /// <param name="cancellationToken">Cancels the build.</param>
    /// <returns>The graph.</returns>
    public static ProximityGraph Build(EmbeddingIndex index, ApproximateSearchOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        if (index.Count == 0)
        {
            throw new ArgumentException($"Index '{index.Name}' is empty; there is nothing to build a graph over.", nameof(index));
        }

        var sw = Stopwatch.StartNew();
        var graph = NewGraph(index.Dimension, options);
        try
        {
            USearchHandle.Reserve(graph, index.Count);
            USearchHandle.SetThreads(graph, options.BuildThreads, SearchThreads);
            int done = 0, step = Math.Max(1, index.Count / 100);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.BuildThreads, CancellationToken = cancellationToken };
            Parallel.For(0, index.Count, parallel, () => new float[index.Dimension], (row, _, vector) =>
            {
                index.CopyEmbedding(row, vector);
                graph.Add((ulong)row, vector);
                int n = Interlocked.Increment(ref done);
                if (n % step == 0)
                {
                    progress?.Report(n);
                }

                return vector;
            }, _ => { });
            progress?.Report(index.Count);
            return new ProximityGraph(graph, index.Count, index.Dimension, options.Clone(), EstimateBytes(index.Count, index.Dimension, options), sw.Elapsed);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <summary>Loads a graph saved by <see cref="Save()"/> and checks it matches the index it is for.</summary>
    /// <param name="saved">The saved bytes.</param>
    /// <param name="count">The rows the index has.</param>
    /// <param name="dimension">The index's dimension.</param>
    /// <param name="options">The search settings to use (build settings are those saved).</param>
    /// <param name="source">Where the bytes came from, for error messages.</param>
    /// <returns>The graph.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a USearch graph of <paramref name="count"/> rows of <paramref name="dimension"/> values.</exception>
    public static ProximityGraph Load(ReadOnlyMemory<byte> saved, int count, int dimension, ApproximateSearchOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        string path = Path.Combine(Path.GetTempPath(), $"nudge-graph-{Guid.NewGuid():N}.usearch");
        USearchIndex? graph = null;
        try
        {
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                file.Write(saved.Span);
            }

            try
            {
                graph = new USearchIndex(path);
            }
            catch (USearchException ex)
            {
                throw new InvalidDataException($"Proximity graph '{source}' is not a USearch graph: {ex.Message}", ex);
            }

            if ((long)graph.Size() != count || (long)graph.Dimensions() != dimension)
            {
                throw new InvalidDataException(
                    $"Proximity graph '{source}' holds {graph.Size()} vectors of {graph.Dimensions()} values; its index has {count} of {dimension}.");
            }

            USearchHandle.SetThreads(graph, 1, SearchThreads);
            USearchHandle.SetExpansionSearch(graph, options.ExpansionSearch);
            var result = new ProximityGraph(graph, count, dimension, options.Clone(), saved.Length, TimeSpan.Zero);
            graph = null;
            return result;
        }
        finally
        {
            graph?.Dispose();
            File.Delete(path);
        }
    }

    /// <summary>Serializes the graph (USearch's file format).</summary>
    /// <returns>The bytes.</returns>
    /// <exception cref="NotSupportedException">The graph is larger than one byte array can hold (choose a coarser <see cref="GraphQuantization"/>).</exception>
    public byte[] Save()
    {
        string path = Path.Combine(Path.GetTempPath(), $"nudge-graph-{Guid.NewGuid():N}.usearch");
        try
        {
            long length = Save(path);
            if (length > Array.MaxLength)
            {
                throw new NotSupportedException(
                    $"The graph takes {length:N0} bytes, more than one blob write holds; build it with a coarser quantization (Int8 or Float16).");
            }

            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Changes the candidate list size of later searches (HNSW's ef): larger finds more of the true neighbours and takes
    /// longer. Safe while other threads search.
    /// </summary>
    /// <param name="expansion">The new size, at least 1.</param>
    public void SetExpansionSearch(int expansion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expansion, 1);
        USearchHandle.SetExpansionSearch(_graph, expansion);
        Options.ExpansionSearch = expansion;
    }

    /// <summary>Writes the graph to a file (USearch's file format), for graphs too large for <see cref="Save()"/>.</summary>
    /// <param name="path">The file; replaced if it exists.</param>
    /// <returns>The file's length.</returns>
    public long Save(string path)
    {
        _graph.Save(path);
        return new FileInfo(path).Length;
    }

    /// <summary>
    /// How many candidates to re-rank for <paramref name="k"/> hits: <see cref="ApproximateSearchOptions.CandidatesPerHit"/> × k.
    /// (Re-ranking the whole beam instead was tried in a scratch run: the same recall, up to 1.7× slower per query at 20k × 768.)
    /// </summary>
    /// <param name="k">The hits wanted.</param>
    /// <returns>The candidate count.</returns>
    internal int CandidatesFor(int k) => k * Options.CandidatesPerHit;

    /// <summary>The rows nearest to a unit query by the graph's (approximate) inner product, best first.</summary>
    /// <param name="unitQuery">A unit vector of <see cref="Dimension"/> values.</param>
    /// <param name="candidates">How many rows to propose.</param>
    /// <returns>The rows found (at most <paramref name="candidates"/>).</returns>
    internal int[] Candidates(float[] unitQuery, int candidates)
    {
        int wanted = Math.Min(candidates, Count);
        int found;
        ulong[] keys;
        _searchSlots.Wait();
        try
        {
            found = _graph.Search(unitQuery, wanted, out keys, out _);
        }
        finally
        {
            _searchSlots.Release();
        }

        var rows = new int[found];
        for (int i = 0; i < found; i++)
        {
            rows[i] = checked((int)keys[i]);
        }

        return rows;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _graph.Dispose();
        _searchSlots.Dispose();
        ReleasePressure();
        GC.SuppressFinalize(this);
    }

    /// <summary>A graph nobody disposed (indices hand theirs to the garbage collector): USearch frees its own memory; this returns the pressure it added.</summary>
    ~ProximityGraph() => ReleasePressure();

    private void ReleasePressure()
    {
        if (_nativeBytes > 0)
        {
            GC.RemoveMemoryPressure(_nativeBytes);
        }
    }

    private static USearchIndex NewGraph(int dimension, ApproximateSearchOptions options) => new(
        MetricKind.Ip,
        options.Quantization switch
        {
            GraphQuantization.Float32 => ScalarKind.Float32,
            GraphQuantization.Float16 => ScalarKind.Float16,
            _ => ScalarKind.Int8,
        },
        (ulong)dimension,
        (ulong)options.Connectivity,
        (ulong)options.ExpansionAdd,
        (ulong)options.ExpansionSearch);

    private static long EstimateBytes(int count, int dimension, ApproximateSearchOptions options)
    {
        int bytesPerValue = options.Quantization switch { GraphQuantization.Float32 => 4, GraphQuantization.Float16 => 2, _ => 1 };
        return (long)count * ((dimension * bytesPerValue) + (options.Connectivity * 2 * sizeof(uint)));
    }

}
