namespace Nudge.Indexing.Approximate;

/// <summary>
/// Configuration of approximate search: an HNSW proximity graph (USearch) over an index's rows, used for indices of at
/// least <see cref="MinEntries"/> entries. The graph proposes <see cref="CandidatesPerHit"/> × k candidates; they are
/// re-ranked by the exact cosine similarity of the index's own rows, so every returned similarity is exact and only
/// recall is approximate.
/// </summary>
public sealed class ApproximateSearchOptions
{
    /// <summary>The fewest entries for which a graph is built; smaller indices are searched exactly. Default 100,000.</summary>
    public int MinEntries { get; set; } = 100_000;

    /// <summary>Graph neighbours per node (HNSW's M). Default 16.</summary>
    public int Connectivity { get; set; } = 16;

    /// <summary>Candidate list size while building (HNSW's efConstruction). Default 128.</summary>
    public int ExpansionAdd { get; set; } = 128;

    /// <summary>
    /// Candidate list size while searching (HNSW's ef). Default 256: in `bench ann` (M = 16, Int8 graph) it gave recall@10
    /// 0.990 at 100k × 768 and 0.93–0.96 at 1M, with every near-duplicate of embedding-like rows found; 64 gave 0.67–0.85.
    /// </summary>
    public int ExpansionSearch { get; set; } = 256;

    /// <summary>Candidates taken from the graph per requested hit, re-ranked exactly. Default 4.</summary>
    public int CandidatesPerHit { get; set; } = 4;

    /// <summary>
    /// How the graph stores its vectors. Default <see cref="GraphQuantization.Int8"/>: in the recorded `bench ann` run
    /// (docs/perf/ann-runs/m16-full/ann.md, 100k × 768) it gave the same recall@10 as Float16 and Float32 after re-ranking, with the smallest
    /// graph (92 MB against 168 and 322 MB) and the fastest build and search.
    /// </summary>
    public GraphQuantization Quantization { get; set; } = GraphQuantization.Int8;

    /// <summary>
    /// Graphs the rows are split into (consecutive rows each), searched in parallel for one query and their candidates
    /// re-ranked together. More partitions answer one query sooner on more cores but cost more work per query in all, so
    /// they suit latency, not throughput. Default 1.
    /// </summary>
    public int Partitions { get; set; } = 1;

    /// <summary>Threads that insert rows while building. Default: every core.</summary>
    public int BuildThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Checks the values.</summary>
    /// <param name="paramName">The parameter to name in the exception.</param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    internal void Validate(string paramName)
    {
        if (MinEntries < 1 || Connectivity < 2 || ExpansionAdd < 1 || ExpansionSearch < 1 || CandidatesPerHit < 1 ||
            Partitions < 1 || BuildThreads < 1 || !Enum.IsDefined(Quantization))
        {
            throw new ArgumentException(
                "ApproximateSearchOptions: MinEntries, ExpansionAdd, ExpansionSearch, CandidatesPerHit, Partitions and BuildThreads must be positive, " +
                "Connectivity at least 2, Quantization defined.",
                paramName);
        }
    }

    /// <summary>A copy, so later changes to these options do not reach a store or graph.</summary>
    /// <returns>The copy.</returns>
    internal ApproximateSearchOptions Clone() => (ApproximateSearchOptions)MemberwiseClone();
}
