using System.Text.Json;
using Nudge.Cli.Console;
using Nudge.Engine.Generation;
using Nudge.Evaluation;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Cli.Commands;

/// <summary><c>eval</c>: the paper's experiment on the model, with baselines, report.md and figures.</summary>
internal static class EvalCommand
{
    public const string Usage = "eval [--model DIR] [--seeds N] [--steps N] [--guidance X] [--methods none,nudge-conditioning,...] [--policy FILE] --out DIR";

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var a = new Arguments(args, new HashSet<string>());
        var modelDir = ModelArguments.Folder(a);
        int seeds = a.Int("seeds") ?? 8;
        int steps = a.Int("steps") ?? 20;
        float guidance = a.Float("guidance") ?? 7.5f;
        var methods = a.String("methods")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var policyPath = a.String("policy");
        var outDir = a.Required("out");
        a.RejectUnknown();
        if (seeds < 1 || seeds > 1000 || steps < 1 || steps > GenerationRequest.MaxSteps)
        {
            throw new UsageException("--seeds must be 1..1000 and --steps 1..1000");
        }

        if (!GenerationRequest.IsValidGuidanceScale(guidance))
        {
            throw new UsageException($"--guidance must be a number between 0 and {GenerationRequest.MaxGuidanceScale}, got {guidance}");
        }

        if (EvaluationRunner.DescribeUnknownMethods(methods) is { } unknownMethods)
        {
            throw new UsageException($"--methods: {unknownMethods}");
        }

        var policy = policyPath is null ? new NudgePolicy() : PolicyArguments.Load(policyPath);
        outDir = AtomicFile.EnsureWritableFolder(outDir);
        using var model = ModelArguments.Load(modelDir);
        var embedder = IndexCommand.EmbedderFor(model);
        var options = new EvaluationOptions { Seeds = seeds, Steps = steps, Guidance = guidance, Methods = methods, Policy = policy };
        var runner = new EvaluationRunner(new DiffusionPipeline(model), embedder, options);
        var samples = runner.Run(line => System.Console.Error.WriteLine($"eval: {line}"), cancellationToken);
        var summaries = EvaluationReport.Summarize(samples, policy.UndesiredThreshold);
        var command = "nudge eval " + string.Join(' ', args);
        EvaluationReport.Write(Path.Combine(outDir, "report.md"), summaries, samples, options, command, $"{model.Name} (unet {model.Identity().FileHashes["unet/model.onnx"][..12]})");
        // The figures show the default nudge space (conditioning) when it ran, else the first nudge method that did.
        var figureMethod = EvaluationRunner.Methods.Where(m => m.StartsWith("nudge", StringComparison.Ordinal))
            .OrderBy(m => m == "nudge-conditioning" ? 0 : 1)
            .FirstOrDefault(m => samples.Any(s => s.Method == m));
        if (figureMethod is not null)
        {
            EvaluationFigures.Write(outDir, samples, figureMethod, runner.Memorized);
        }

        AtomicFile.Write(Path.Combine(outDir, "summary.json"), JsonSerializer.SerializeToUtf8Bytes(summaries, ImageRecord.JsonOptions));
        System.Console.WriteLine(Path.Combine(outDir, "report.md"));
        return Task.FromResult(0);
    }
}
