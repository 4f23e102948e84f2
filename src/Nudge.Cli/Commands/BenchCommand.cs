using System.Diagnostics;
using System.Globalization;
using Nudge.Cli.Console;
using Nudge.Engine.Generation;

namespace Nudge.Cli.Commands;

/// <summary><c>bench</c>: measurements, not tests. Each prints what it measured side by side.</summary>
internal static class BenchCommand
{
    public const string Usage = "bench all|index|generate|nudge|orchestration|scaling|micro|list [--quick] [options] | bench pipeline [--model DIR] [--steps N] [--runs N] [--count N] [--prompt TEXT]";

    public static async Task<int> RunAsync(Arguments parsed, CancellationToken cancellationToken)
    {
        // Everything after "bench", in order: the comparisons parse their own options.
        var args = parsed.Result.Tokens.SkipWhile(t => t.Value != "bench").Skip(1).Select(t => t.Value).ToArray();
        if (args.Length == 0)
        {
            throw new UsageException("bench needs a benchmark name: " + Usage);
        }

        // The side-by-side comparisons live in tests/Nudge.Benchmarks, a program of their own that nothing in src
        // references (it brings BenchmarkDotNet, ScottPlot and the peers); a source checkout runs it as a child.
        var root = RepoRoot() ?? throw new UsageException("bench runs the suite in tests/Nudge.Benchmarks of a source checkout; none was found above the working folder");
        var dll = Path.Combine(root, "tests", "Nudge.Benchmarks", "bin", "Release", "net10.0", "Nudge.Benchmarks.dll");
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = root };
        string[] prefix = File.Exists(dll) ? [dll] : ["run", "--project", Path.Combine(root, "tests", "Nudge.Benchmarks"), "-c", "Release", "--"];
        foreach (var a in prefix.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }

        using var child = Process.Start(psi) ?? throw new IOException("could not start dotnet for the benchmark suite");
        using var kill = cancellationToken.Register(() => child.Kill(entireProcessTree: true));
        await child.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        if (child.ExitCode == 2)
        {
            throw new UsageException($"bench: bad arguments ({string.Join(' ', args)}); see the lines above");
        }

        return child.ExitCode;
    }

    private static string? RepoRoot() =>
        UpwardSearch.Find(d => File.Exists(Path.Combine(d, "Nudge.Functions.sln")) && Directory.Exists(Path.Combine(d, "tests", "Nudge.Benchmarks")));

    /// <summary>
    /// <c>bench pipeline</c>: per-image time and the pipeline's overhead over summed ONNX Runtime Run time, on any
    /// model and execution provider (the comparisons' <c>generate</c> needs the tiny model's PyTorch peer).
    /// </summary>
    public static Task<int> PipelineAsync(Arguments args, CancellationToken cancellationToken) => Task.Run(() => Pipeline(args, cancellationToken), cancellationToken);

    private static int Pipeline(Arguments args, CancellationToken cancellationToken)
    {
        var modelDir = ModelArguments.Folder(args);
        int steps = args.Int("steps") ?? 20;
        int runs = args.Int("runs") ?? 5;
        int count = args.Int("count") ?? 1;
        var prompt = args.String("prompt") ?? "a red circle on a blue background";
        if (runs <= 0 || steps <= 0 || count <= 0)
        {
            throw new UsageException("--steps, --runs and --count must be positive");
        }

        using var model = ModelArguments.Load(modelDir);
        var pipeline = new DiffusionPipeline(model);
        var request = new GenerationRequest { Prompt = prompt, Steps = steps, Count = count, Seed = 1 };
        pipeline.Generate(request, cancellationToken: cancellationToken); // warm-up: first runs allocate arenas

        var results = new List<GenerationTimings>();
        for (int r = 0; r < runs; r++)
        {
            results.Add(pipeline.Generate(request with { Seed = r + 2 }, cancellationToken: cancellationToken).Timings);
        }

        var totals = results.Select(t => t.Total.TotalMilliseconds).Order().ToArray();
        var ort = results.Select(t => t.OnnxRuntime.TotalMilliseconds).Order().ToArray();
        double median = totals[totals.Length / 2], medianOrt = ort[ort.Length / 2];
        double sumTotal = results.Sum(t => t.Total.TotalMilliseconds), sumOrt = results.Sum(t => t.OnnxRuntime.TotalMilliseconds);
        var inv = CultureInfo.InvariantCulture;
        System.Console.WriteLine(string.Create(inv, $"model {model.Name} ({model.ExecutionProvider}), {steps} steps, batch {count}, {runs} runs after 1 warm-up"));
        System.Console.WriteLine("| metric | value |");
        System.Console.WriteLine("|---|---|");
        System.Console.WriteLine(string.Create(inv, $"| per image, median wall | {median / count:F1} ms |"));
        System.Console.WriteLine(string.Create(inv, $"| per image, median ONNX Runtime Run | {medianOrt / count:F1} ms |"));
        System.Console.WriteLine(string.Create(inv, $"| UNet Run share | {100 * results.Sum(t => t.UNet.TotalMilliseconds) / sumOrt:F1}% |"));
        System.Console.WriteLine(string.Create(inv, $"| pipeline overhead (wall / Run − 1) | {100 * ((sumTotal / sumOrt) - 1):F2}% |"));
        return 0;
    }
}
