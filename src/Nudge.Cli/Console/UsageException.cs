namespace Nudge.Cli.Console;

/// <summary>A bad command line or unusable input: reported as one line, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
