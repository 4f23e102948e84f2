using Nudge.Cli.Console;
using Nudge.Engine.Generation;
using Nudge.Evaluation;
using Nudge.Mitigation.Indices;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Cli.Commands;

/// <summary><c>eval</c>: the paper's experiment on the model, with baselines, report.md and figures.</summary>
internal static class EvalCommand
{
    public const string Usage = "eval [--model DIR] [--seeds N] [--steps N] [--guidance X] [--methods none,nudge,...] [--policy FILE] [--no-figures] --out DIR";

    public static Task<int> RunAsync(Arguments a, CancellationToken cancellationToken)
    {
        var modelDir = ModelArguments.Folder(a);
        int seeds = a.Int("seeds") ?? 8;
        int steps = a.Int("steps") ?? 20;
        float guidance = a.Float("guidance") ?? 3f;
        var methods = a.String("methods")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var policyPath = a.String("policy");
        var outDir = a.Required("out");
        bool figures = !a.Flag("no-figures");
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
        EvaluationRunner runner;
        try
        {
            runner = new EvaluationRunner(new DiffusionPipeline(model), embedder, options);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException)
        {
            throw new UsageException(ex.Message);
        }

        var samples = runner.Run(line => System.Console.Error.WriteLine($"eval: {line}"), cancellationToken);
        var command = "nudge " + string.Join(' ', a.Result.Tokens.Select(t => t.Value));
        var calibration = EvaluationSummary.Calibration(runner.Judges);
        var result = new EvaluationResult(command, $"{model.Name} (unet {model.Identity().FileHashes["unet/model.onnx"][..12]})", DateTime.UtcNow,
            guidance, steps, seeds, options.ReportCaptions, policy, calibration,
            EvaluationSummary.Memorized(samples, runner.Judges, "report", options.BootstrapResamples),
            EvaluationSummary.Memorized(samples, runner.Judges, "tune", options.BootstrapResamples),
            EvaluationSummary.Memorized(samples, runner.Judges, "all", options.BootstrapResamples),
            EvaluationSummary.Controls(samples, runner.Judges));
        // The figures show the policy's nudge when it ran, else the first nudge variant that did.
        var figureMethod = EvaluationRunner.Methods.Where(m => m.StartsWith("nudge", StringComparison.Ordinal)).FirstOrDefault(m => samples.Any(s => s.Method == m));
        EvaluationReport.Write(outDir, result, samples, options, figureMethod);
        if (figureMethod is not null && figures)
        {
            EvaluationFigures.Write(outDir, samples, figureMethod, runner.Memorized, runner.Siblings, calibration);
        }

        System.Console.WriteLine(Path.Combine(outDir, "report.md"));
        return Task.FromResult(0);
    }
}
