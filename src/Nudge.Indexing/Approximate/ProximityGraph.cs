using System.Diagnostics;
using Cloud.Unum.USearch;

namespace Nudge.Indexing.Approximate;

/// <summary>
/// An HNSW proximity graph (USearch, inner product) over the rows of one <see cref="EmbeddingIndex"/> snapshot: key i
/// is row i. It may be split into partitions of consecutive rows (<see cref="ApproximateSearchOptions.Partitions"/>),
/// each its own graph, searched in parallel for one query. It only proposes candidates; <see cref="EmbeddingIndex"/>
/// re-ranks them exactly. Safe to search from many threads. The native memory is released by <see cref="Dispose"/> or,
/// failing that, by the finalizer.
/// </summary>
public sealed class ProximityGraph : IDisposable
{
    /// <summary>Searches that run at once; more wait for a slot (USearch would fail them instead).</summary>
    private static readonly int SearchThreads = Math.Max(16, Environment.ProcessorCount * 4);

    private readonly GraphPartition[] _partitions;
    private readonly SemaphoreSlim _searchSlots = new(SearchThreads, SearchThreads);
    private readonly long _nativeBytes;
    private int _disposed;

    private ProximityGraph(GraphPartition[] partitions, int count, int dimension, ApproximateSearchOptions options, long nativeBytes, TimeSpan buildTime)
    {
        _partitions = partitions;
        Count = count;
        Dimension = dimension;
        Options = options;
        Options.Partitions = partitions.Length;
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

    /// <summary>The options it was built or loaded with (<see cref="ApproximateSearchOptions.Partitions"/> is the number it has).</summary>
    public ApproximateSearchOptions Options { get; }

    /// <summary>The graphs it is split into, each over consecutive rows.</summary>
    public int PartitionCount => _partitions.Length;

    /// <summary>How long building took (zero for a loaded graph).</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>The SIMD kernels USearch picked for this graph (e.g. <c>skylake</c>), for benchmark reports.</summary>
    public string Kernel => _partitions[0].Graph.HardwareAcceleration();

    /// <summary>The USearch library version.</summary>
    public static string LibraryVersion => USearchCapabilities.Version();

    /// <summary>
    /// Builds a graph over every row of <paramref name="index"/>: <see cref="ApproximateSearchOptions.Partitions"/> graphs
    /// of consecutive rows (fewer when the index has fewer rows), one after another, each inserting its rows on
    /// <see cref="ApproximateSearchOptions.BuildThreads"/> threads.
    /// </summary>
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
        int partitionCount = Math.Min(options.Partitions, index.Count);
        var partitions = new List<GraphPartition>(partitionCount);
        try
        {
            int done = 0, step = Math.Max(1, index.Count / 100);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.BuildThreads, CancellationToken = cancellationToken };
            for (int p = 0; p < partitionCount; p++)
            {
                int first = (int)((long)index.Count * p / partitionCount), end = (int)((long)index.Count * (p + 1) / partitionCount);
                var graph = NewGraph(index.Dimension, options);
                partitions.Add(new GraphPartition(graph, first, end - first));
                USearchHandle.Reserve(graph, end - first);
                USearchHandle.SetThreads(graph, options.BuildThreads, SearchThreads);
                Parallel.For(first, end, parallel, () => new float[index.Dimension], (row, _, vector) =>
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
            }

            progress?.Report(index.Count);
            return new ProximityGraph([.. partitions], index.Count, index.Dimension, options.Clone(), EstimateBytes(index.Count, index.Dimension, options), sw.Elapsed);
        }
        catch
        {
            partitions.ForEach(p => p.Graph.Dispose());
            throw;
        }
    }

    /// <summary>Loads a graph saved by <see cref="Save()"/> and checks it matches the index it is for.</summary>
    /// <param name="saved">The saved bytes: one USearch graph, or a partitioned graph (<see cref="PartitionedGraphFile"/>).</param>
    /// <param name="count">The rows the index has.</param>
    /// <param name="dimension">The index's dimension.</param>
    /// <param name="options">The search settings to use (build settings are those saved).</param>
    /// <param name="source">Where the bytes came from, for error messages.</param>
    /// <returns>The graph.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a graph of <paramref name="count"/> rows of <paramref name="dimension"/> values.</exception>
    public static ProximityGraph Load(ReadOnlyMemory<byte> saved, int count, int dimension, ApproximateSearchOptions options, string source)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(nameof(options));
        IReadOnlyList<PartitionedGraphFile.Part> parts = PartitionedGraphFile.Read(saved, count, source);
        var partitions = new List<GraphPartition>(parts.Count);
        try
        {
            foreach (PartitionedGraphFile.Part part in parts)
            {
                USearchIndex graph = LoadOne(saved.Slice(part.Offset, part.Length), part.Rows, dimension, source);
                partitions.Add(new GraphPartition(graph, part.FirstRow, part.Rows));
                USearchHandle.SetThreads(graph, 1, SearchThreads);
                USearchHandle.SetExpansionSearch(graph, options.ExpansionSearch);
            }

            return new ProximityGraph([.. partitions], count, dimension, options.Clone(), saved.Length, TimeSpan.Zero);
        }
        catch
        {
            partitions.ForEach(p => p.Graph.Dispose());
            throw;
        }
    }

    /// <summary>Serializes the graph: USearch's file format when it has one partition, else <see cref="PartitionedGraphFile"/>.</summary>
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

    /// <summary>Writes the graph to a file (the format of <see cref="Save()"/>), for graphs too large for <see cref="Save()"/>.</summary>
    /// <param name="path">The file; replaced if it exists.</param>
    /// <returns>The file's length.</returns>
    public long Save(string path)
    {
        if (_partitions.Length == 1)
        {
            _partitions[0].Graph.Save(path);
            return new FileInfo(path).Length;
        }

        var files = new string[_partitions.Length];
        try
        {
            var parts = new PartitionedGraphFile.Part[_partitions.Length];
            for (int p = 0; p < _partitions.Length; p++)
            {
                files[p] = $"{path}.part{p}";
                _partitions[p].Graph.Save(files[p]);
                parts[p] = new PartitionedGraphFile.Part(_partitions[p].FirstRow, _partitions[p].Rows, 0, checked((int)new FileInfo(files[p]).Length));
            }

            return PartitionedGraphFile.Write(path, parts, files);
        }
        finally
        {
            foreach (string? file in files)
            {
                if (file is not null)
                {
                    File.Delete(file);
                }
            }
        }
    }

    /// <summary>
    /// Changes the candidate list size of later searches (HNSW's ef, per partition): larger finds more of the true
    /// neighbours and takes longer. Safe while other threads search.
    /// </summary>
    /// <param name="expansion">The new size, at least 1.</param>
    public void SetExpansionSearch(int expansion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expansion, 1);
        foreach (GraphPartition partition in _partitions)
        {
            USearchHandle.SetExpansionSearch(partition.Graph, expansion);
        }

        Options.ExpansionSearch = expansion;
    }

    /// <summary>
    /// How many candidates to re-rank for <paramref name="k"/> hits: <see cref="ApproximateSearchOptions.CandidatesPerHit"/> × k.
    /// (Re-ranking the whole beam instead was tried in a scratch run: the same recall, up to 1.7× slower per query at 20k × 768.)
    /// </summary>
    /// <param name="k">The hits wanted.</param>
    /// <returns>The candidate count.</returns>
    internal int CandidatesFor(int k) => k * Options.CandidatesPerHit;

    /// <summary>
    /// The rows nearest to a unit query by the graph's (approximate) inner product: up to <paramref name="candidates"/>
    /// from each partition, so the exact re-ranking sees every partition's best.
    /// </summary>
    /// <param name="unitQuery">A unit vector of <see cref="Dimension"/> values.</param>
    /// <param name="candidates">How many rows to propose per partition.</param>
    /// <param name="parallel">Whether to search the partitions on parallel threads (one query alone) or one after another (a batch already running queries in parallel).</param>
    /// <returns>The rows found.</returns>
    internal int[] Candidates(float[] unitQuery, int candidates, bool parallel = true)
    {
        if (_partitions.Length == 1)
        {
            return Search(_partitions[0], unitQuery, candidates);
        }

        var found = new int[_partitions.Length][];
        if (parallel)
        {
            Parallel.For(0, _partitions.Length, p => found[p] = Search(_partitions[p], unitQuery, candidates));
        }
        else
        {
            for (int p = 0; p < _partitions.Length; p++)
            {
                found[p] = Search(_partitions[p], unitQuery, candidates);
            }
        }

        return [.. found.SelectMany(rows => rows)];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (GraphPartition partition in _partitions)
        {
            partition.Graph.Dispose();
        }

        _searchSlots.Dispose();
        ReleasePressure();
        GC.SuppressFinalize(this);
    }

    /// <summary>A graph nobody disposed (indices hand theirs to the garbage collector): USearch frees its own memory; this returns the pressure it added.</summary>
    ~ProximityGraph() => ReleasePressure();

    private int[] Search(GraphPartition partition, float[] unitQuery, int candidates)
    {
        int wanted = Math.Min(candidates, partition.Rows);
        int found;
        ulong[] keys;
        _searchSlots.Wait();
        try
        {
            found = partition.Graph.Search(unitQuery, wanted, out keys, out _);
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

    private static USearchIndex LoadOne(ReadOnlyMemory<byte> saved, int rows, int dimension, string source)
    {
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

            if ((long)graph.Size() != rows || (long)graph.Dimensions() != dimension)
            {
                throw new InvalidDataException(
                    $"Proximity graph '{source}' holds {graph.Size()} vectors of {graph.Dimensions()} values where {rows} of {dimension} were expected.");
            }

            USearchIndex result = graph;
            graph = null;
            return result;
        }
        finally
        {
            graph?.Dispose();
            File.Delete(path);
        }
    }

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

    /// <summary>One USearch graph over rows [FirstRow, FirstRow + Rows), keyed by their index rows.</summary>
    private sealed record GraphPartition(USearchIndex Graph, int FirstRow, int Rows);
}
