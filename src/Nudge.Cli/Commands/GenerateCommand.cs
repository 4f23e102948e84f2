using System.Text.Json;
using Nudge.Cli.Console;
using Nudge.Engine.Generation;
using Nudge.Engine.Schedulers;

namespace Nudge.Cli.Commands;

/// <summary><c>generate</c>: text to images, one PNG and one JSON record per image.</summary>
internal static class GenerateCommand
{
    public const string Usage = "generate --prompt TEXT [--negative-prompt TEXT] [--seed N] [--count N] [--steps N] [--guidance X] [--scheduler NAME] [--width W --height H] [--model DIR] --out DIR";

    public static async Task<int> RunAsync(Arguments args, CancellationToken cancellationToken)
    {
        var request = new GenerationRequest
        {
            Prompt = args.String("prompt") ?? throw new UsageException("--prompt is required"),
            NegativePrompt = args.String("negative-prompt") ?? "",
            Seed = args.Long("seed") ?? 0,
            Count = args.Int("count") ?? 1,
            Steps = args.Int("steps") ?? 20,
            GuidanceScale = args.Float("guidance") ?? 7.5f,
            Scheduler = args.String("scheduler"),
            Width = args.Int("width"),
            Height = args.Int("height"),
        };
        var outDir = args.Required("out");
        var modelDir = ModelArguments.Folder(args);
        args.RejectUnknown();

        var errors = request.Validate();
        if (errors.Count > 0)
        {
            throw new UsageException(string.Join("; ", errors.Values));
        }

        if (request.Scheduler is not null && !SchedulerFactory.KnownNames.Contains(request.Scheduler, StringComparer.OrdinalIgnoreCase))
        {
            throw new UsageException($"--scheduler: unknown scheduler '{request.Scheduler}' (use one of {string.Join(", ", SchedulerFactory.ShortNames)})");
        }

        outDir = AtomicFile.EnsureWritableFolder(outDir);
        using var model = ModelArguments.Load(modelDir);

        var pipeline = new DiffusionPipeline(model);
        var bar = ProgressBar.ForTerminal("generate");
        var result = await pipeline.GenerateAsync(request, bar, cancellationToken);
        bar?.Done();
        foreach (var image in result.Images)
        {
            var record = ImageRecord.Create(result, image, model);
            var json = JsonSerializer.SerializeToUtf8Bytes(record, ImageRecord.JsonOptions);
            AtomicFile.Write(Path.Combine(outDir, record.File), image.Png.Span);
            AtomicFile.Write(Path.Combine(outDir, record.Id + ".json"), json);
            System.Console.WriteLine(Path.Combine(outDir, record.File));
        }

        return 0;
    }
}
