using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Running;
using Nudge.Benchmarks.Comparisons;
using Nudge.Benchmarks.Core;

namespace Nudge.Benchmarks;

/// <summary>
/// The benchmark suite: side-by-side comparisons of Nudge against peers (FAISS, PyTorch) and against itself,
/// plus BenchmarkDotNet micro-benchmarks. Entry point for the console program and for the CLI's <c>bench</c> group.
/// </summary>
public static class BenchmarkSuite
{
    /// <summary>
    /// The comparisons, in the order <c>all</c> runs them. To add one, implement <see cref="IComparison"/> and
    /// append it here; it becomes a command named <see cref="IComparison.Name"/> and part of <c>all</c>.
    /// </summary>
    public static IReadOnlyList<IComparison> Comparisons { get; } =
    [
        new IndexSearchComparison(),
        new ApproximateSearchComparison(),
        new GenerationComparison(),
        new NudgeCostComparison(),
        new OrchestrationComparison(),
        new ScalingComparison(),
        new ServeLoadComparison(),
    ];

    /// <summary>The usage text.</summary>
    public static string Usage =>
        "usage: Nudge.Benchmarks <command> [options]\n\ncommands:\n"
        + "  all                  every comparison below, in this order\n"
        + string.Concat(Comparisons.Select(c => $"  {c.Name,-20} {c.Title}\n"))
        + "  micro [BDN args]     BenchmarkDotNet micro-benchmarks (e.g. micro --filter '*ExactScan*' --job short)\n"
        + "  list                 the comparison names\n\noptions:\n"
        + BenchmarkOptions.Usage;

    /// <summary>Runs a command, with progress on standard error.</summary>
    /// <param name="args">The command and its options.</param>
    /// <param name="output">Where results (markdown tables, ratio lines) go.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>0 when everything was measured, 1 when a side could not be measured, 2 for usage errors.</returns>
    public static Task<int> RunAsync(string[] args, TextWriter output, CancellationToken cancellationToken) =>
        RunAsync(args, output, Console.Error, cancellationToken);

    /// <summary>Runs a command.</summary>
    /// <param name="args">The command and its options.</param>
    /// <param name="output">Where results (markdown tables, ratio lines) go.</param>
    /// <param name="log">Where progress lines go.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>0 when everything was measured, 1 when a side could not be measured, 2 for usage errors.</returns>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            output.Write(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        // Tables, CSV and notes use '.' decimals whatever the host's culture.
        CultureInfo culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return await RunCommandAsync(args, output, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static async Task<int> RunCommandAsync(string[] args, TextWriter output, TextWriter log, CancellationToken cancellationToken)
    {
        string command = args[0];
        if (command == "list")
        {
            foreach (IComparison c in Comparisons)
            {
                output.WriteLine(c.Name);
            }

            return 0;
        }

        if (command == "micro")
        {
            BenchmarkSwitcher.FromAssembly(typeof(BenchmarkSuite).Assembly).Run(args[1..]);
            return 0;
        }

        List<IComparison> selected = command == "all"
            ? [.. Comparisons]
            : Comparisons.Where(c => c.Name == command).ToList();
        if (selected.Count == 0)
        {
            log.WriteLine($"unknown command '{command}'");
            log.Write(Usage);
            return 2;
        }

        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args[1..]);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            log.WriteLine(ex.Message);
            log.Write(Usage);
            return 2;
        }

        using var context = new BenchmarkContext(options, output, log);
        output.WriteLine($"# Nudge benchmarks: {command}{(options.Quick ? " --quick" : "")}");
        output.WriteLine();
        output.WriteLine($"> {Environment()}");
        output.WriteLine();
        var results = new List<ComparisonResult>();
        bool incomplete = false;
        foreach (IComparison comparison in selected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            context.Log($"{comparison.Name}: {comparison.Title} (load {BenchmarkContext.LoadAverage()})");
            var sw = Stopwatch.StartNew();
            ComparisonResult result;
            try
            {
                result = await comparison.RunAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (PeerException ex)
            {
                result = new ComparisonResult(comparison.Name, comparison.Title) { Incomplete = true };
                result.Note($"NOT MEASURED: {ex.Message}");
            }

            result.Elapsed = sw.Elapsed;
            result.Note($"load average (1/5/15 min) at the end: {BenchmarkContext.LoadAverage()}");
            incomplete |= result.Incomplete;
            results.Add(result);
            PerfOutput.Write(result, options.OutDir, output);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }

        if (results.Count > 1)
        {
            output.WriteLine("## Goals");
            output.WriteLine();
            foreach (var (name, verdict) in results.SelectMany(r => r.Verdicts.Where(v => v.Goal is not null).Select(v => (r.Name, v))))
            {
                output.WriteLine($"- [{name}] {verdict}");
            }

            output.WriteLine();
        }

        return incomplete ? 1 : 0;
    }

    /// <summary>One line describing the machine and runtime.</summary>
    /// <returns>The line.</returns>
    public static string Environment()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {cpu}, {System.Environment.ProcessorCount} cores; {RuntimeInformation.OSDescription}; "
            + $".NET {System.Environment.Version}; load average (1/5/15 min) at start: {BenchmarkContext.LoadAverage()}";
    }
}
