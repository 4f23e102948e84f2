using System.CommandLine;
using Nudge.Cli;

// Parsing is System.CommandLine's; a parse error prints one line naming what is wrong and exits 2 (usage), not the
// library's 1, so scripts can tell bad arguments from failures.
var root = NudgeCommandLine.Build();
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
{
    var command = string.Join(' ', parsed.CommandResult.Command is RootCommand ? [] : new[] { parsed.CommandResult.Command.Name });
    Console.Error.WriteLine($"nudge: {string.Join("; ", parsed.Errors.Select(e => e.Message))} (see nudge {command}{(command.Length > 0 ? " " : "")}--help)");
    return CliExit.Usage;
}

// Ctrl+C cancels the token the actions get; System.CommandLine handles it and the command returns 130.
return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
