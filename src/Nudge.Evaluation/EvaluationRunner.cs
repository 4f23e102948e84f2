using Nudge.Mitigation.Indices;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Nudge.Engine.Generation;
using Nudge.Engine.Imaging;
using Nudge.Indexing;
using Nudge.Mitigation.Embedding;
using Nudge.Mitigation.Nudging;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>
/// Runs every method on the same prompts and seeds: no mitigation, refusal (filter only), reseeding
/// until clean, random-word prompt augmentation (Somepalli et al. 2023), and Nudge in conditioning space,
/// latent space and both. Memorized captions × seeds plus control prompts.
/// </summary>
public sealed class EvaluationRunner
{
    private readonly DiffusionPipeline _pipeline;
    private readonly ClipEmbedder _embedder;
    private readonly EvaluationOptions _options;
    private readonly IReadOnlyList<MemorizedImage> _memorized;
    private readonly EmbeddingIndex _undesired;
    private readonly Dictionary<string, float[]> _memorizedEmbedding = [];
    private readonly string[] _vocabularyWords;

    /// <summary>Prepares the evaluation of a model.</summary>
    /// <param name="pipeline">The generation pipeline.</param>
    /// <param name="embedder">The embedder.</param>
    /// <param name="options">Settings.</param>
    public EvaluationRunner(DiffusionPipeline pipeline, ClipEmbedder embedder, EvaluationOptions options)
    {
        if (DescribeUnknownMethods(options.Methods) is { } unknown)
        {
            throw new ArgumentException(unknown, nameof(options));
        }

        _pipeline = pipeline;
        _embedder = embedder;
        _options = options;
        _memorized = MemorizedSet.Read(pipeline.Model.Folder);
        var entries = MemorizedSet.ToEntries(_memorized, embedder, pipeline.Model);
        _undesired = EmbeddingIndex.Create("undesired", entries);
        foreach (var e in entries.Where(e => e.Kind == IndexEntryKind.Image))
        {
            _memorizedEmbedding[e.Id] = e.Embedding;
        }

        _vocabularyWords = [.. ReadVocabularyWords(Path.Combine(pipeline.Model.Folder, "tokenizer", "vocab.json"))];
    }

    /// <summary>The memorized set.</summary>
    public IReadOnlyList<MemorizedImage> Memorized => _memorized;

    /// <summary>Method names in report order.</summary>
    public static readonly string[] Methods = ["none", "refusal", "reseed", "augment", "nudge-conditioning", "nudge-latent", "nudge-both"];

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
        var cases = new List<(string Prompt, long Seed, MemorizedImage? Mem)>();
        foreach (var m in _memorized)
        {
            for (int s = 0; s < _options.Seeds; s++)
            {
                cases.Add((m.Caption, s, m));
            }
        }

        foreach (var p in _options.ControlPrompts)
        {
            for (int s = 0; s < _options.ControlSeeds; s++)
            {
                cases.Add((p, s, null));
            }
        }

        // Warm up the sessions so the first method does not pay for arena growth.
        _pipeline.Generate(Request("warm-up", 0));

        var samples = new List<EvaluationSample>();
        var flagged = new Dictionary<(string, long), bool>();
        foreach (var method in Methods.Where(m => m == "none" || _options.Methods.Count == 0 || _options.Methods.Contains(m)))
        {
            var sw = Stopwatch.StartNew();
            foreach (var (prompt, seed, mem) in cases)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var s = RunOne(method, prompt, seed, mem, flagged);
                samples.Add(s);
            }

            log($"{method}: {cases.Count} outputs in {sw.Elapsed.TotalSeconds:F1} s");
        }

        return samples;
    }

    private EvaluationSample RunOne(string method, string prompt, long seed, MemorizedImage? mem, Dictionary<(string, long), bool> flagged)
    {
        var sw = Stopwatch.StartNew();
        switch (method)
        {
            case "none":
            {
                var result = _pipeline.Generate(Request(prompt, seed));
                var img = result.Images[0];
                double ms = sw.Elapsed.TotalMilliseconds;
                var sample = Measure(method, prompt, seed, mem, img.Png.ToArray(), ms, null, 0);
                var report = Guard(NudgeSpaces.None, enabled: false).FilterImage(prompt, img, result.Width, result.Height);
                flagged[(prompt, seed)] = report.NeedsNudge;
                return sample with { Flagged = report.NeedsNudge };
            }

            case "refusal":
            {
                var g = Guard(NudgeSpaces.None, enabled: false).Generate(Request(prompt, seed)).Images[0];
                double ms = sw.Elapsed.TotalMilliseconds;
                return Measure(method, prompt, seed, mem, g.Image?.Png.ToArray(), ms, g.Outcome, 0) with { Flagged = flagged[(prompt, seed)] };
            }

            case "reseed":
            {
                var guard = Guard(NudgeSpaces.None, enabled: false);
                GuardedImage g = guard.Generate(Request(prompt, seed)).Images[0];
                int tries = 0;
                var last = g.Unmodified;
                while (g.Outcome == ImageOutcome.Blocked && tries < _options.ReseedAttempts)
                {
                    tries++;
                    g = guard.Generate(Request(prompt, seed + (7919L * tries))).Images[0];
                    last = g.Unmodified;
                }

                double ms = sw.Elapsed.TotalMilliseconds;
                var outcome = g.Outcome == ImageOutcome.Blocked ? ImageOutcome.Unresolved : (tries > 0 ? ImageOutcome.Nudged : ImageOutcome.Clean);
                return Measure(method, prompt, seed, mem, last.Png.ToArray(), ms, outcome, tries) with { Flagged = flagged[(prompt, seed)] };
            }

            case "augment":
            {
                var img = _pipeline.Generate(Request(Augment(prompt, seed), seed)).Images[0];
                double ms = sw.Elapsed.TotalMilliseconds;
                return Measure(method, prompt, seed, mem, img.Png.ToArray(), ms, null, 0) with { Flagged = flagged[(prompt, seed)] };
            }

            default:
            {
                var spaces = method switch
                {
                    "nudge-conditioning" => NudgeSpaces.Conditioning,
                    "nudge-latent" => NudgeSpaces.Latent,
                    _ => NudgeSpaces.Both,
                };
                var g = Guard(spaces, enabled: true).Generate(Request(prompt, seed)).Images[0];
                double ms = sw.Elapsed.TotalMilliseconds;
                return Measure(method, prompt, seed, mem, g.Image?.Png.ToArray(), ms, g.Outcome, g.Rounds.Count) with { Flagged = flagged[(prompt, seed)] };
            }
        }
    }

    private readonly Dictionary<(NudgeSpaces, bool), NudgingPipeline> _guards = [];

    private NudgingPipeline Guard(NudgeSpaces spaces, bool enabled)
    {
        if (!_guards.TryGetValue((spaces, enabled), out var g))
        {
            var policy = _options.Policy with { NudgeEnabled = enabled, Nudge = _options.Policy.Nudge with { Spaces = enabled ? spaces : _options.Policy.Nudge.Spaces } };
            _guards[(spaces, enabled)] = g = new NudgingPipeline(_pipeline, _embedder, _undesired, null, policy);
        }

        return g;
    }

    private GenerationRequest Request(string prompt, long seed) => new() { Prompt = prompt, Seed = seed, Steps = _options.Steps, GuidanceScale = _options.Guidance };

    private EvaluationSample Measure(string method, string prompt, long seed, MemorizedImage? mem, byte[]? png, double ms, ImageOutcome? outcome, int rounds)
    {
        if (png is null)
        {
            return new EvaluationSample(method, prompt, seed, mem?.Id, false, outcome, false, float.NaN, float.NaN, float.NaN, ms, [], [], rounds);
        }

        var rgb = RgbImage.Decode(png);
        var emb = _embedder.EmbedImages([rgb])[0];
        float relevance = ClipEmbedder.Cosine(emb, _embedder.EmbedTexts([prompt])[0]);
        float cos = float.NaN, rmse = float.NaN;
        if (mem is not null)
        {
            cos = ClipEmbedder.Cosine(emb, _memorizedEmbedding[mem.Id]);
            rmse = Rmse(rgb.Rgb, mem.Image.Rgb);
        }

        return new EvaluationSample(method, prompt, seed, mem?.Id, true, outcome, false, cos, rmse, relevance, ms, png, emb, rounds);
    }

    /// <summary>Appends random vocabulary words, seeded by prompt and seed (reproducible).</summary>
    private string Augment(string prompt, long seed)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{prompt}|{seed}"));
        var rng = new Random(BitConverter.ToInt32(digest, 0));
        var words = Enumerable.Range(0, _options.AugmentWords).Select(_ => _vocabularyWords[rng.Next(_vocabularyWords.Length)]);
        return prompt + " " + string.Join(' ', words);
    }

    private static float Rmse(byte[] a, byte[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = (a[i] - b[i]) / 255.0;
            sum += d * d;
        }

        return (float)Math.Sqrt(sum / a.Length);
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
