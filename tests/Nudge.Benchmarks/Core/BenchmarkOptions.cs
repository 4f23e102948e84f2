using System.Globalization;

namespace Nudge.Benchmarks.Core;

/// <summary>Options shared by the comparisons, parsed from the command line.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>The usage text for the options.</summary>
    public const string Usage = """
          --quick              reduced sizes and repetitions (the whole `all --quick` stays well under 10 minutes on 2 cores)
          --out DIR            where CSV, PNG and .md files go (default: artifacts/bench, git-ignored; pass
                               --out docs/perf to replace the recorded pages)
          --threads N          `generate`/`scaling` steps: ONNX Runtime intra-op threads and torch.set_num_threads;
                               `index`: the one thread count every side searches with (default: 1 and all cores)
          --python PATH        interpreter for the peers (default: /usr/bin/python3, which sees Debian's faiss and torch)
          --model DIR          ONNX model folder for `generate` and `scaling` (default: models/tiny-sd); the PyTorch
                               peer rebuilds the recipe's modules and loads their weights from the same files
          --sizes N,N,...      index sizes (rows) for `index`, `ann` and `scaling`
          --dims D,D,...       embedding dimensions for `index`
          --steps N,N,...      step counts for `scaling`
          --runs N             timed runs per side for `generate` and `scaling` (after one warm-up)
          --seed N             seed of the random vectors (default 20240607)
          --graph-m N          `ann`: graph connectivity M (default: ApproximateSearchOptions', 16)
          --graph-efc N        `ann`: expansion while building, efConstruction (default 128)
          --graph-parts N,N,.. `ann`: graph partitions to compare, each searched on its own thread for one query (default:
                               ApproximateSearchOptions' 1, and the core count)
          --ann-rows KIND,...  `ann`: which rows, embedding-like and/or clustered-isotropic (default both)
          --ef N,N,...         `ann`: search expansions to sweep (default 64,128,256,512)
          --candidates N,N,... `ann`: candidates re-ranked per hit to sweep (default: ApproximateSearchOptions', 4)
          --wait passive|spin  how idle worker threads wait, on every side: passive (default; OMP_WAIT_POLICY=PASSIVE for
                               FAISS and PyTorch, ONNX Runtime intra-op spinning off) or spin (each library's default).
                               Spinning made FAISS batches 7x and PyTorch 30x slower on a machine shared with a busy
                               process; on an idle machine try both
        """;

    /// <summary>The kinds of rows the `ann` comparison can generate.</summary>
    public static readonly IReadOnlyList<string> AnnRowKinds = ["embedding-like", "clustered-isotropic"];

    /// <summary>Reduced sizes and repetitions.</summary>
    public bool Quick { get; init; }

    /// <summary>The repository root (holds <c>Nudge.Functions.sln</c>).</summary>
    public required string RepoRoot { get; init; }

    /// <summary>Output folder.</summary>
    public required string OutDir { get; init; }

    /// <summary>Threads for both sides; 0: each side's default (all cores).</summary>
    public int Threads { get; init; }

    /// <summary>The Python interpreter for the peers.</summary>
    public string Python { get; init; } = "/usr/bin/python3";

    /// <summary>ONNX model folder.</summary>
    public required string ModelDir { get; init; }

    /// <summary>Index sizes, or null for the comparison's default.</summary>
    public IReadOnlyList<int>? Sizes { get; init; }

    /// <summary>Dimensions, or null for the comparison's default.</summary>
    public IReadOnlyList<int>? Dims { get; init; }

    /// <summary>Step counts, or null for the default.</summary>
    public IReadOnlyList<int>? Steps { get; init; }

    /// <summary>Timed runs, or null for the default.</summary>
    public int? Runs { get; init; }

    /// <summary>The `ann` graph's connectivity M, or null for the library default.</summary>
    public int? GraphConnectivity { get; init; }

    /// <summary>The `ann` graph's build expansion (efConstruction), or null for the library default.</summary>
    public int? GraphExpansionAdd { get; init; }

    /// <summary>The search expansions `ann` sweeps, or null for the default.</summary>
    public IReadOnlyList<int>? Expansions { get; init; }

    /// <summary>The candidates-per-hit values `ann` sweeps, or null for the library default.</summary>
    public IReadOnlyList<int>? CandidatesPerHit { get; init; }

    /// <summary>The graph partition counts `ann` compares, or null for the default.</summary>
    public IReadOnlyList<int>? GraphPartitions { get; init; }

    /// <summary>The kinds of rows `ann` measures, or null for all.</summary>
    public IReadOnlyList<string>? AnnRows { get; init; }

    /// <summary>Seed of the random vectors.</summary>
    public ulong Seed { get; init; } = 20240607;

    /// <summary>
    /// Whether idle worker threads wait passively on every side (OMP_WAIT_POLICY=PASSIVE for the peers, ONNX Runtime
    /// intra-op spinning off) instead of each library's default spin-waiting.
    /// </summary>
    public bool PassiveWait { get; init; } = true;

    /// <summary>The environment a peer using OpenMP gets for <see cref="PassiveWait"/>.</summary>
    public IReadOnlyDictionary<string, string>? OpenMpEnvironment =>
        PassiveWait ? new Dictionary<string, string> { ["OMP_WAIT_POLICY"] = "PASSIVE" } : null;

    /// <summary>"passive" or "spin", for notes.</summary>
    public string WaitName => PassiveWait ? "passive" : "spin";

    /// <summary>Threads a side should use: <see cref="Threads"/> or the core count.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>The folder of the peer scripts.</summary>
    public string PeersDir => Path.Combine(RepoRoot, "tests", "Nudge.Benchmarks", "peers");

    /// <summary>Parses options (everything after the command name).</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The options.</returns>
    /// <exception cref="ArgumentException">An option is unknown or malformed.</exception>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        string repo = FindRepoRoot();
        bool quick = false;
        string? outDir = null, python = null, model = null;
        int threads = 0;
        int? runs = null, graphM = null, graphEfc = null;
        IReadOnlyList<string>? annRows = null;
        ulong seed = 20240607;
        bool passive = true;
        IReadOnlyList<int>? sizes = null, dims = null, steps = null, expansions = null, candidates = null, partitions = null;
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{a} needs a value");
            switch (a)
            {
                case "--quick": quick = true; break;
                case "--out": outDir = Value(); break;
                case "--threads": threads = PositiveInt(a, Value()); break;
                case "--python": python = Value(); break;
                case "--model": model = Value(); break;
                case "--sizes": sizes = IntList(a, Value()); break;
                case "--dims": dims = IntList(a, Value()); break;
                case "--steps": steps = IntList(a, Value()); break;
                case "--runs": runs = PositiveInt(a, Value()); break;
                case "--ef": expansions = IntList(a, Value()); break;
                case "--candidates": candidates = IntList(a, Value()); break;
                case "--graph-m": graphM = PositiveInt(a, Value()); break;
                case "--graph-efc": graphEfc = PositiveInt(a, Value()); break;
                case "--graph-parts": partitions = IntList(a, Value()); break;
                case "--ann-rows":
                    annRows = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    if (annRows.FirstOrDefault(r => !AnnRowKinds.Contains(r)) is { } unknown)
                    {
                        throw new ArgumentException($"--ann-rows takes {string.Join(" and/or ", AnnRowKinds)}, got '{unknown}'");
                    }

                    break;
                case "--seed": seed = ulong.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--wait":
                    passive = Value() switch
                    {
                        "passive" => true,
                        "spin" => false,
                        var other => throw new ArgumentException($"--wait takes passive or spin, got '{other}'"),
                    };
                    break;
                default: throw new ArgumentException($"unknown option '{a}'");
            }
        }

        return new BenchmarkOptions
        {
            Quick = quick,
            RepoRoot = repo,
            OutDir = Path.GetFullPath(outDir ?? Path.Combine(repo, "artifacts", "bench")),
            Threads = threads,
            Python = python ?? "/usr/bin/python3",
            ModelDir = Path.GetFullPath(model ?? Path.Combine(repo, "models", "tiny-sd")),
            Sizes = sizes,
            Dims = dims,
            Steps = steps,
            Runs = runs,
            Seed = seed,
            GraphConnectivity = graphM,
            GraphExpansionAdd = graphEfc,
            GraphPartitions = partitions,
            AnnRows = annRows,
            Expansions = expansions,
            CandidatesPerHit = candidates,
            PassiveWait = passive,
        };
    }

    /// <summary>The repository root: the nearest folder above the working directory, else above the executable, holding <c>Nudge.Functions.sln</c>.</summary>
    /// <returns>The folder.</returns>
    /// <exception cref="InvalidOperationException">Neither is inside the repository.</exception>
    public static string FindRepoRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "Nudge.Functions.sln")))
                {
                    return d.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run the benchmarks from inside the repository (no Nudge.Functions.sln above the working directory or the executable).");
    }

    private static int PositiveInt(string name, string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new ArgumentException($"{name} needs a positive integer, got '{text}'");

    private static int[] IntList(string name, string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => PositiveInt(name, t)).ToArray();
}
