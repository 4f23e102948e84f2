using System.Text.Json;
using Nudge.Cli.Console;
using Nudge.Engine.Generation;
using Nudge.Engine.Tokenization;
using Nudge.Engine.Schedulers;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Cli.Commands;

/// <summary><c>generate</c>: text to images, one PNG and one JSON record per image.</summary>
internal static class GenerateCommand
{
    public const string Usage = "generate --prompt TEXT [--negative-prompt TEXT] [--seed N] [--count N] [--steps N] [--guidance X] [--scheduler NAME] [--width W --height H] [--model DIR] [--no-nudge] [--policy FILE] [--store DIR] --out DIR";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var request = new GenerationRequest
        {
            Prompt = args.String("prompt") ?? throw new UsageException("--prompt is required"),
            NegativePrompt = args.String("negative-prompt") ?? "",
            Seed = args.Long("seed") ?? 0,
            Count = args.Int("count") ?? 1,
            Steps = args.Int("steps"),
            GuidanceScale = args.Float("guidance"),
            Scheduler = args.String("scheduler"),
            Width = args.Int("width"),
            Height = args.Int("height"),
        };
        var outDir = args.Required("out");
        var modelDir = ModelArguments.Folder(args);
        bool noNudge = args.Flag("no-nudge");
        var policyPath = args.String("policy");
        var store = noNudge ? null : StoreArguments.Open(args);
        if (noNudge && policyPath is not null)
        {
            throw new UsageException("--policy and --no-nudge contradict each other");
        }

        var policy = policyPath is null ? new NudgePolicy() : PolicyArguments.Load(policyPath);

        var errors = request.Validate();
        if (errors.Count > 0)
        {
            throw new UsageException(string.Join("; ", errors.Values));
        }

        outDir = AtomicFile.EnsureWritableFolder(outDir);
        // Prompt length is checked with the tokenizer alone, so that a usage error is the only line printed.
        var tokenizerDir = Path.Combine(modelDir, "tokenizer");
        if (Directory.Exists(tokenizerDir) && DiffusionPipeline.PromptTokenProblems(ClipTokenizer.FromFolder(tokenizerDir), request) is { Count: > 0 } tooLong)
        {
            throw new UsageException(string.Join("; ", tooLong.Values));
        }

        using var model = ModelArguments.Load(modelDir);

        var pipeline = new DiffusionPipeline(model);
        var bar = ProgressBar.ForTerminal("generate");

        // One count-1 request per image (seed + i), as the service expands a job: the same request gets the same ids
        // and PNG bytes from generate, batch and HTTP (batching would change low-order bits).
        var images = Enumerable.Range(0, request.Count).Select(i => request with { Seed = request.Seed + i, Count = 1 }).ToList();
        if (noNudge)
        {
            for (int i = 0; i < images.Count; i++)
            {
                var result = await pipeline.GenerateAsync(images[i], bar, cancellationToken);
                Write(outDir, ImageRecord.Create(result, result.Images[0], model) with { Index = i }, result.Images[0].Png);
            }

            bar?.Done();
            return 0;
        }

        var embedder = IndexCommand.EmbedderFor(model);
        var detector = IndexCommand.CopyDetectorFor(model);
        var (undesired, memorized) = await StoreArguments.GuardIndicesAsync(store!, policy, model, embedder, detector, cancellationToken);
        var desired = await store!.LoadAsync(policy.DesiredIndex, cancellationToken: cancellationToken);
        var guard = new NudgingPipeline(pipeline, embedder, undesired, desired.Exists ? desired : null, policy, detector, memorized);
        for (int i = 0; i < images.Count; i++)
        {
            var guarded = await guard.GenerateAsync(images[i], bar, cancellationToken);
            var g = guarded.Images[0];
            var record = GuardedImageRecord.Create(guarded, g, model, i);
            Write(outDir, record, g.Image?.Png);
            if (g.Outcome != ImageOutcome.Clean)
            {
                System.Console.Error.WriteLine($"nudge: {record.Id}: {g.Outcome.ToString().ToLowerInvariant()} after {g.Rounds.Count} round(s)");
            }
        }

        bar?.Done();
        return 0;
    }

    private static void Write(string outDir, ImageRecord record, ReadOnlyMemory<byte>? png)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
        if (png is { } bytes)
        {
            AtomicFile.Write(Path.Combine(outDir, record.Id + ".png"), bytes.Span);
        }

        AtomicFile.Write(Path.Combine(outDir, record.Id + ".json"), json);
        System.Console.WriteLine(Path.Combine(outDir, png is null ? record.Id + ".json" : record.Id + ".png"));
    }
}
