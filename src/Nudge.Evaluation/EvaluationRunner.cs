using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Nudge.Engine.Generation;
using Nudge.Evaluation.Judges;
using Nudge.Evaluation.References;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Nudging;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>
/// Runs every method on the same prompts and seeds: no mitigation, refusal (filter only), reseeding until clean,
/// random-word prompt augmentation (Somepalli et al. 2023), Nudge with the policy given, and two single-space Nudge
/// variants for comparison. Prompts: memorized captions × seeds (split into a tuning and a report half), grammar
/// controls and near-miss prompts. Every output is scored by judges the pipeline does not steer by
/// (<see cref="EvaluationJudges"/>).
/// </summary>
public sealed class EvaluationRunner
{
    private readonly DiffusionPipeline _pipeline;
    private readonly ClipEmbedder _embedder;
    private readonly CopyDetector _copyDetector;
    private readonly EvaluationOptions _options;
    private readonly EmbeddingIndex _undesired;
    private readonly EmbeddingIndex _memorizedIndex;
    private readonly string[] _vocabularyWords;

    /// <summary>Prepares the evaluation of a model.</summary>
    /// <param name="pipeline">The generation pipeline.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="options">Settings.</param>
    /// <exception cref="ArgumentException">An unknown method.</exception>
    /// <exception cref="InvalidOperationException">The model lacks what the evaluation needs (memorized set, siblings, copy detector).</exception>
    public EvaluationRunner(DiffusionPipeline pipeline, ClipEmbedder embedder, EvaluationOptions options)
    {
        if (DescribeUnknownMethods(options.Methods) is { } unknown)
        {
            throw new ArgumentException(unknown, nameof(options));
        }

        var model = pipeline.Model;
        if (model.CopyDetector is null)
        {
            throw new InvalidOperationException($"{model.Folder} has no copy_detector/: the evaluation judges copies with it (the bundled tiny model has one)");
        }

        _pipeline = pipeline;
        _embedder = embedder;
        _options = options;
        _copyDetector = new CopyDetector(model);
        Memorized = MemorizedSet.Read(model.Folder);
        var siblings = SiblingSet.Read(model.Folder)
            ?? throw new InvalidOperationException($"{model.Folder} has no memorized/siblings/: the evaluation's thresholds are set on them");
        Siblings = siblings;
        Judges = new EvaluationJudges(_copyDetector, embedder, Memorized, siblings);
        _undesired = EmbeddingIndex.Create("undesired", MemorizedSet.ToEntries(Memorized, embedder, model));
        _memorizedIndex = EmbeddingIndex.Create("memorized", MemorizedSet.ToCopyEntries(Memorized, _copyDetector, model));
        _vocabularyWords = [.. ReadVocabularyWords(Path.Combine(model.Folder, "tokenizer", "vocab.json"))];
    }

    /// <summary>The memorized set.</summary>
    public IReadOnlyList<MemorizedImage> Memorized { get; }

    /// <summary>The reference set.</summary>
    public SiblingSet Siblings { get; }

    /// <summary>The judges and their thresholds.</summary>
    public EvaluationJudges Judges { get; }

    /// <summary>Method names in report order.</summary>
    public static readonly string[] Methods = ["none", "refusal", "reseed", "augment", "nudge", "nudge-pooled", "nudge-latent"];

    /// <summary>Names the methods that are not in <see cref="Methods"/>, or returns null when all are known.</summary>
    /// <param name="methods">Method names.</param>
    /// <returns>A one-line message, or null.</returns>
    public static string? DescribeUnknownMethods(IEnumerable<string> methods)
    {
        var unknown = methods.Where(m => !Methods.Contains(m)).ToList();
        return unknown.Count == 0 ? null : $"unknown method(s) {string.Join(", ", unknown)} (known: {string.Join(", ", Methods)})";
    }

    /// <summary>Runs every method.</summary>
    /// <param name="log">Progress lines.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>All samples.</returns>
    public IReadOnlyList<EvaluationSample> Run(Action<string> log, CancellationToken cancellationToken = default)
    {
        var report = new HashSet<string>(_options.ReportCaptions, StringComparer.Ordinal);
        var cases = new List<Case>();
        foreach (var m in Memorized)
        {
            for (int s = 0; s < _options.Seeds; s++)
            {
                cases.Add(new Case(CaseKind.Memorized, report.Contains(m.Id) ? "report" : "tune", m.Caption, s, m.Id));
            }
        }

        cases.AddRange(_options.ControlPrompts.SelectMany(p => Enumerable.Range(0, _options.ControlSeeds).Select(s => new Case(CaseKind.Control, null, p, s, null))));
        cases.AddRange(_options.NearMissPrompts.SelectMany(p => Enumerable.Range(0, _options.NearMissSeeds).Select(s => new Case(CaseKind.NearMiss, null, p, s, null))));

        // Warm up the sessions so the first method does not pay for arena growth.
        _pipeline.Generate(Request("warm-up", 0));
        _ = Guard("nudge").FilterImage("warm-up", _pipeline.Generate(Request("warm-up", 1)).Images[0], _pipeline.Model.DefaultSize, _pipeline.Model.DefaultSize);

        var samples = new List<EvaluationSample>();
        var unmodified = new Dictionary<(string, long), (bool Flagged, byte[] Png)>();
        foreach (var method in Methods.Where(m => m == "none" || _options.Methods.Count == 0 || _options.Methods.Contains(m)))
        {
            var sw = Stopwatch.StartNew();
            int done = 0;
            foreach (var c in cases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                samples.Add(RunOne(method, c, unmodified));
                if (++done % 50 == 0)
                {
                    log($"{method}: {done}/{cases.Count}");
                }
            }

            log($"{method}: {cases.Count} outputs in {sw.Elapsed.TotalSeconds:F1} s");
        }

        return samples;
    }

    private sealed record Case(CaseKind Kind, string? Split, string Prompt, long Seed, string? MemorizedId);

    private EvaluationSample RunOne(string method, Case c, Dictionary<(string, long), (bool Flagged, byte[] Png)> unmodified)
    {
        var sw = Stopwatch.StartNew();
        if (method == "none")
        {
            var result = _pipeline.Generate(Request(c.Prompt, c.Seed));
            var img = result.Images[0];
            double ms = sw.Elapsed.TotalMilliseconds;
            bool flagged = Guard("refusal").FilterImage(c.Prompt, img, result.Width, result.Height).NeedsNudge;
            var png = img.Png.ToArray();
            unmodified[(c.Prompt, c.Seed)] = (flagged, png);
            return Measure(method, c, png, ms, null, 0, flagged, png);
        }

        var (wasFlagged, reference) = unmodified[(c.Prompt, c.Seed)];
        switch (method)
        {
            case "refusal":
            {
                var g = Guard(method).Generate(Request(c.Prompt, c.Seed)).Images[0];
                return Measure(method, c, g.Image?.Png.ToArray(), sw.Elapsed.TotalMilliseconds, g.Outcome, 0, wasFlagged, reference);
            }

            case "reseed":
            {
                var guard = Guard("refusal");
                GuardedImage g = guard.Generate(Request(c.Prompt, c.Seed)).Images[0];
                int tries = 0;
                while (g.Outcome == ImageOutcome.Blocked && tries < _options.ReseedAttempts)
                {
                    tries++;
                    g = guard.Generate(Request(c.Prompt, c.Seed + (7919L * tries))).Images[0];
                }

                var outcome = g.Outcome == ImageOutcome.Blocked ? ImageOutcome.Unresolved : (tries > 0 ? ImageOutcome.Nudged : ImageOutcome.Clean);
                return Measure(method, c, g.Unmodified.Png.ToArray(), sw.Elapsed.TotalMilliseconds, outcome, tries, wasFlagged, reference);
            }

            case "augment":
            {
                var img = _pipeline.Generate(Request(Augment(c.Prompt, c.Seed), c.Seed)).Images[0];
                return Measure(method, c, img.Png.ToArray(), sw.Elapsed.TotalMilliseconds, null, 0, wasFlagged, reference);
            }

            default:
            {
                var g = Guard(method).Generate(Request(c.Prompt, c.Seed)).Images[0];
                return Measure(method, c, g.Image?.Png.ToArray(), sw.Elapsed.TotalMilliseconds, g.Outcome, g.Rounds.Count, wasFlagged, reference);
            }
        }
    }

    private readonly Dictionary<string, NudgingPipeline> _guards = [];

    /// <summary>The policy a method runs with: refusal filters only; "nudge" is the policy given; the variants change its space.</summary>
    /// <param name="method">A method name.</param>
    /// <returns>The policy.</returns>
    public NudgePolicy PolicyFor(string method)
    {
        var p = _options.Policy;
        return method switch
        {
            "refusal" => p with { NudgeEnabled = false },
            "nudge-pooled" => p with { Nudge = p.Nudge with { Spaces = NudgeSpaces.Conditioning, RestartFractions = [0.5, 0.3, 0.1] } },
            "nudge-latent" => p with { Nudge = p.Nudge with { Spaces = NudgeSpaces.Latent } },
            _ => p,
        };
    }

    private NudgingPipeline Guard(string method)
    {
        if (!_guards.TryGetValue(method, out var g))
        {
            _guards[method] = g = new NudgingPipeline(_pipeline, _embedder, _undesired, null, PolicyFor(method), _copyDetector, _memorizedIndex);
        }

        return g;
    }

    private GenerationRequest Request(string prompt, long seed) => new() { Prompt = prompt, Seed = seed, Steps = _options.Steps, GuidanceScale = _options.Guidance };

    private EvaluationSample Measure(string method, Case c, byte[]? png, double ms, ImageOutcome? outcome, int rounds, bool flagged, byte[] unmodified)
    {
        if (png is null)
        {
            return new EvaluationSample(method, c.Kind, c.Split, c.Prompt, c.Seed, c.MemorizedId, false, outcome, rounds, ms, [], [], null) { Flagged = flagged, Changed = true };
        }

        var rgb = RgbImage.Decode(png);
        var (id, scores) = Judges.Score(rgb, c.Prompt, c.MemorizedId);
        return new EvaluationSample(method, c.Kind, c.Split, c.Prompt, c.Seed, id, true, outcome, rounds, ms, png, Judges.Embed(rgb), scores)
        {
            Flagged = flagged,
            Changed = !png.AsSpan().SequenceEqual(unmodified),
        };
    }

    /// <summary>Appends random vocabulary words, seeded by prompt and seed (reproducible).</summary>
    private string Augment(string prompt, long seed)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{prompt}|{seed}"));
        var rng = new Random(BitConverter.ToInt32(digest, 0));
        var words = Enumerable.Range(0, _options.AugmentWords).Select(_ => _vocabularyWords[rng.Next(_vocabularyWords.Length)]);
        return prompt + " " + string.Join(' ', words);
    }

    private static IEnumerable<string> ReadVocabularyWords(string vocabPath)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(vocabPath));
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            var name = p.Name;
            if (name.EndsWith("</w>", StringComparison.Ordinal) && name.Length > 6 && name[..^4].All(char.IsAsciiLetterLower))
            {
                yield return name[..^4];
            }
        }
    }
}
