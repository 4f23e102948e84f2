using System.Collections;
using System.Numerics.Tensors;
using Azure;
using Nudge.Indexing.Approximate;
using Nudge.Indexing.Search;

namespace Nudge.Indexing;

/// <summary>
/// An embedding index held in memory: unit-length rows in one contiguous array (float32 or float16) with the
/// entries' metadata, searched exactly (cosine similarity = dot product of unit vectors). Immutable and safe to
/// search from many threads. An index with a <see cref="ProximityGraph"/> attached searches approximately: the graph
/// proposes candidates and they are re-ranked by their exact similarity, so similarities stay exact and only recall is
/// approximate. Load one with <see cref="Persistence.EmbeddingIndexStore.LoadAsync"/> or build one
/// in memory with <see cref="Create"/>.
/// </summary>
public sealed class EmbeddingIndex
{
    /// <summary>Scans of more values than this (rows x dimension x queries) are split across threads.</summary>
    public const long DefaultParallelThreshold = 2_000_000;

    private readonly float[]? _singles;
    private readonly Half[]? _halves;
    private readonly IndexEntry[] _rows;
    private readonly Dictionary<string, int> _rowById;

    internal EmbeddingIndex(
        string name,
        bool exists,
        int dimension,
        EmbeddingStorageType storageType,
        float[]? singles,
        Half[]? halves,
        IndexEntry[] rows,
        long generation,
        ETag? etag,
        ProximityGraph? graph = null)
    {
        Name = name;
        Exists = exists;
        Dimension = dimension;
        StorageType = storageType;
        _singles = singles;
        _halves = halves;
        _rows = rows;
        Generation = generation;
        ETag = etag;
        Graph = graph;
        _rowById = new Dictionary<string, int>(rows.Length, StringComparer.Ordinal);
        for (int i = 0; i < rows.Length; i++)
        {
            _rowById.Add(rows[i].Id, i);
        }

        Entries = new EntryList(this);
    }

    /// <summary>The index name, e.g. <c>undesired</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Whether the index exists in its store. A missing index loads as an empty index with <see langword="false"/>
    /// here; an index whose entries were all removed still exists.
    /// </summary>
    public bool Exists { get; }

    /// <summary>The number of entries.</summary>
    public int Count => _rows.Length;

    /// <summary>The embedding dimension; 0 for an index that has never had entries.</summary>
    public int Dimension { get; }

    /// <summary>How the embeddings are stored.</summary>
    public EmbeddingStorageType StorageType { get; }

    /// <summary>The manifest generation this snapshot was loaded from (0 for a missing or in-memory index); it grows with every committed update.</summary>
    public long Generation { get; }

    /// <summary>The manifest's ETag this snapshot was loaded from, or <see langword="null"/> for a missing or in-memory index.</summary>
    public ETag? ETag { get; }

    /// <summary>
    /// The proximity graph searches go through, or <see langword="null"/> when this index is searched exactly (no graph
    /// was built for this snapshot, or it is smaller than the graph's threshold).
    /// </summary>
    public ProximityGraph? Graph { get; }

    /// <summary>How <see cref="Search"/> works on this snapshot: <c>exact</c> or <c>approximate</c>.</summary>
    public string SearchMethod => Graph is null ? "exact" : "approximate";

    /// <summary>
    /// The entries in row order. Each access builds an <see cref="IndexEntry"/> with a fresh copy of the
    /// (normalized) embedding; use <see cref="CopyEmbedding"/> or <see cref="GetEntry"/> for single rows.
    /// </summary>
    public IReadOnlyList<IndexEntry> Entries { get; }

    /// <summary>Scans of more values than this are split across threads (tests lower it to exercise the parallel path).</summary>
    internal long ParallelThreshold { get; set; } = DefaultParallelThreshold;

    /// <summary>
    /// The most threads one search may use: 0 (the default) for every core. A host that runs many searches at once,
    /// each on its own thread, sets 1 (<see cref="WithSearchThreads"/>).
    /// </summary>
    public int SearchThreads { get; private init; }

    /// <summary>Builds an in-memory index (not persisted) from entries; their embeddings are normalized.</summary>
    /// <param name="name">The index name.</param>
    /// <param name="entries">The entries; ids must be unique and embeddings of one dimension.</param>
    /// <param name="storageType">How to store the embeddings.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">An entry is invalid or ids repeat.</exception>
    public static EmbeddingIndex Create(string name, IEnumerable<IndexEntry> entries, EmbeddingStorageType storageType = EmbeddingStorageType.Float32)
    {
        IndexNames.Validate(name);
        List<IndexEntry> prepared = IndexEntryRules.PrepareBatch(entries, DateTimeOffset.UtcNow, nameof(entries));
        int dimension = prepared.Count == 0 ? 0 : prepared[0].Embedding.Length;
        var builder = new EmbeddingMatrixBuilder(storageType, prepared.Count, dimension);
        var rows = new IndexEntry[prepared.Count];
        for (int i = 0; i < prepared.Count; i++)
        {
            builder.SetRow(i, prepared[i].Embedding);
            rows[i] = prepared[i] with { Embedding = [] };
        }

        return new EmbeddingIndex(name, exists: false, dimension, storageType, builder.Singles, builder.Halves, rows, generation: 0, etag: null);
    }

    /// <summary>
    /// This snapshot searched through <paramref name="graph"/> (built over these rows by <see cref="ProximityGraph.Build"/>);
    /// the rows are shared, not copied.
    /// </summary>
    /// <param name="graph">The graph, or <see langword="null"/> for exact search.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentException">The graph was built over a different number of rows or dimension.</exception>
    public EmbeddingIndex WithGraph(ProximityGraph? graph)
    {
        if (graph is not null && (graph.Count != Count || graph.Dimension != Dimension))
        {
            throw new ArgumentException(
                $"The graph covers {graph.Count} rows of {graph.Dimension} values; index '{Name}' has {Count} of {Dimension}.", nameof(graph));
        }

        return new EmbeddingIndex(Name, Exists, Dimension, StorageType, _singles, _halves, _rows, Generation, ETag, graph) { ParallelThreshold = ParallelThreshold, SearchThreads = SearchThreads };
    }

    /// <summary>This snapshot with searches limited to <paramref name="threads"/> threads (0: every core); the rows are shared, not copied.</summary>
    /// <param name="threads">The most threads one search may use.</param>
    /// <returns>The index.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threads"/> is negative.</exception>
    public EmbeddingIndex WithSearchThreads(int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return new EmbeddingIndex(Name, Exists, Dimension, StorageType, _singles, _halves, _rows, Generation, ETag, Graph) { ParallelThreshold = ParallelThreshold, SearchThreads = threads };
    }

    /// <summary>Whether an entry with this id is in the index.</summary>
    /// <param name="id">The entry id.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(string id) => _rowById.ContainsKey(id);

    /// <summary>Finds the row of an entry.</summary>
    /// <param name="id">The entry id.</param>
    /// <param name="row">The row, when found.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool TryGetRow(string id, out int row) => _rowById.TryGetValue(id, out row);

    /// <summary>The entry at a row, with a copy of its normalized embedding.</summary>
    /// <param name="row">The row, 0 to <see cref="Count"/> - 1.</param>
    /// <returns>The entry.</returns>
    public IndexEntry GetEntry(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        float[] embedding = new float[Dimension];
        CopyEmbedding(row, embedding);
        return _rows[row] with { Embedding = embedding };
    }

    /// <summary>Copies a row's normalized embedding (converted to float32 for float16 storage).</summary>
    /// <param name="row">The row, 0 to <see cref="Count"/> - 1.</param>
    /// <param name="destination">At least <see cref="Dimension"/> values.</param>
    public void CopyEmbedding(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        if (destination.Length < Dimension)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; the dimension is {Dimension}.", nameof(destination));
        }

        if (_singles is not null)
        {
            _singles.AsSpan(row * Dimension, Dimension).CopyTo(destination);
        }
        else
        {
            TensorPrimitives.ConvertToSingle(_halves.AsSpan(row * Dimension, Dimension), destination[..Dimension]);
        }
    }

    /// <summary>
    /// The <paramref name="k"/> entries most similar to <paramref name="query"/> (exact cosine similarity;
    /// the query is normalized first), best first; ties go to the lower row.
    /// </summary>
    /// <param name="query">A non-zero vector of <see cref="Dimension"/> values.</param>
    /// <param name="k">How many hits to return at most (fewer when the index is smaller).</param>
    /// <returns>The hits, sorted by descending similarity; empty for an empty index.</returns>
    /// <exception cref="ArgumentException">The query has the wrong dimension, is zero or is not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive.</exception>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (Count == 0)
        {
            return [];
        }

        CheckQueryLength(query.Length, nameof(query));
        float[] unitQuery = IndexEntryRules.Normalized(query, "the query", nameof(query));
        if (Graph is not null)
        {
            return ToHits(Rerank(unitQuery, Graph.Candidates(unitQuery, Graph.CandidatesFor(k)), Math.Min(k, Count)));
        }

        return ToHits(ExactScan.TopK(_singles, _halves, Count, Dimension, unitQuery, 1, Math.Min(k, Count), ParallelThreshold, SearchThreads)[0]);
    }

    /// <summary>
    /// <see cref="Search"/> for several queries at once, in one pass over the rows (faster than one call per query).
    /// </summary>
    /// <param name="queries">The queries, row-major: a multiple of <see cref="Dimension"/> values.</param>
    /// <param name="k">How many hits to return per query at most.</param>
    /// <returns>One hit list per query, in query order.</returns>
    /// <exception cref="ArgumentException">The length is not a multiple of the dimension, or a query is zero or not finite.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is not positive.</exception>
    public IReadOnlyList<IReadOnlyList<SearchHit>> SearchBatch(ReadOnlySpan<float> queries, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (Count == 0)
        {
            return [];
        }

        if (queries.Length % Dimension != 0)
        {
            throw new ArgumentException($"The queries hold {queries.Length} values, not a multiple of the dimension {Dimension}.", nameof(queries));
        }

        int queryCount = queries.Length / Dimension;
        float[] unitQueries = new float[queries.Length];
        for (int q = 0; q < queryCount; q++)
        {
            IndexEntryRules.Normalized(queries.Slice(q * Dimension, Dimension), $"query {q}", nameof(queries)).CopyTo(unitQueries, q * Dimension);
        }

        if (Graph is not null)
        {
            var approximate = new IReadOnlyList<SearchHit>[queryCount];
            Parallel.For(0, queryCount, new ParallelOptions { MaxDegreeOfParallelism = SearchThreads > 0 ? SearchThreads : -1 }, q =>
            {
                float[] unit = unitQueries.AsSpan(q * Dimension, Dimension).ToArray();
                approximate[q] = ToHits(Rerank(unit, Graph.Candidates(unit, Graph.CandidatesFor(k), parallel: false), Math.Min(k, Count)));
            });
            return approximate;
        }

        (float Score, int Row)[][] results = ExactScan.TopK(_singles, _halves, Count, Dimension, unitQueries, queryCount, Math.Min(k, Count), ParallelThreshold, SearchThreads);
        return results.Select(ToHits).ToArray();
    }

    /// <summary>The best <paramref name="k"/> of <paramref name="rows"/> by exact similarity, best first; ties go to the lower row.</summary>
    private (float Score, int Row)[] Rerank(float[] unitQuery, int[] rows, int k)
    {
        var scored = new (float Score, int Row)[rows.Length];
        float[] values = new float[Dimension];
        for (int i = 0; i < rows.Length; i++)
        {
            CopyEmbedding(rows[i], values);
            scored[i] = (TensorPrimitives.Dot(unitQuery, values), rows[i]);
        }

        Array.Sort(scored, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Row.CompareTo(b.Row));
        return scored.Length > k ? scored[..k] : scored;
    }

    private void CheckQueryLength(int length, string paramName)
    {
        if (length != Dimension)
        {
            throw new ArgumentException($"The query has {length} values; index '{Name}' has dimension {Dimension}.", paramName);
        }
    }

    private IReadOnlyList<SearchHit> ToHits((float Score, int Row)[] ranked)
    {
        var hits = new SearchHit[ranked.Length];
        for (int i = 0; i < ranked.Length; i++)
        {
            hits[i] = new SearchHit(_rows[ranked[i].Row].Id, ranked[i].Score, ranked[i].Row);
        }

        return hits;
    }

    private sealed class EntryList(EmbeddingIndex index) : IReadOnlyList<IndexEntry>
    {
        public int Count => index.Count;

        public IndexEntry this[int row] => index.GetEntry(row);

        public IEnumerator<IndexEntry> GetEnumerator()
        {
            for (int row = 0; row < index.Count; row++)
            {
                yield return index.GetEntry(row);
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
