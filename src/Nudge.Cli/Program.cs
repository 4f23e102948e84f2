using Microsoft.ML.OnnxRuntime;
using Nudge.Cli.Commands;
using Nudge.Cli.Console;
using Nudge.Engine.Models;

// Exit codes: 0 success, 1 failure while running, 2 bad arguments or unusable input.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine("usage: nudge <command> [options]");
    Console.WriteLine("  " + GenerateCommand.Usage);
    Console.WriteLine("  " + IndexCommand.Usage);
    Console.WriteLine("  " + BatchCommand.Usage);
    Console.WriteLine("  " + ModerateCommand.Usage);
    Console.WriteLine("  " + EvalCommand.Usage);
    Console.WriteLine("  " + BenchCommand.Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    return args[0] switch
    {
        "generate" => await GenerateCommand.RunAsync(new Arguments(args[1..], new HashSet<string> { "no-nudge" }), cts.Token),
        "index" => await IndexCommand.RunAsync(args[1..], cts.Token),
        "batch" => await BatchCommand.RunAsync(args[1..], cts.Token),
        "moderate" => await ModerateCommand.RunAsync(args[1..], cts.Token),
        "eval" => await EvalCommand.RunAsync(args[1..], cts.Token),
        "bench" => await BenchCommand.RunAsync(args[1..], cts.Token),
        _ => throw new UsageException($"unknown command '{args[0]}' (try --help)"),
    };
}
catch (UsageException ex)
{
    Console.Error.WriteLine($"nudge: {ex.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("nudge: cancelled");
    return 130;
}
catch (Exception ex) when (ex is OnnxRuntimeException or ModelLoadException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"nudge: {ex.Message}");
    return 1;
}
