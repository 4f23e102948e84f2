using Microsoft.ML.OnnxRuntime;
using Nudge.Cli.Console;
using Nudge.Engine.Models;

namespace Nudge.Cli;

/// <summary>
/// Exit codes: 0 success, 1 failure while running, 2 bad arguments or unusable input, 130 cancelled. Errors print
/// one line, <c>nudge: message</c>, on stderr.
/// </summary>
internal static class CliExit
{
    public const int Usage = 2;

    public static async Task<int> RunAsync(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (UsageException ex)
        {
            System.Console.Error.WriteLine($"nudge: {ex.Message}");
            return Usage;
        }
        catch (OperationCanceledException)
        {
            System.Console.Error.WriteLine("nudge: cancelled");
            return 130;
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or ModelLoadException or IOException or InvalidDataException)
        {
            System.Console.Error.WriteLine($"nudge: {ex.Message}");
            return 1;
        }
    }
}
