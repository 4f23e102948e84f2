using Microsoft.Extensions.Logging;

namespace Nudge.Cli.Console;

/// <summary>Warnings and errors to stderr; informational lines only with NUDGE_VERBOSE=1.</summary>
internal static class CliLog
{
    public static ILogger Logger { get; } = new StderrLogger(Environment.GetEnvironmentVariable("NUDGE_VERBOSE") == "1" ? LogLevel.Information : LogLevel.Warning);

    /// <summary>The same sink for libraries that take a factory (the durable hosts).</summary>
    public static ILoggerFactory Factory { get; } = new StderrLoggerFactory();

    private sealed class StderrLoggerFactory : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("the CLI logs to stderr only");

        public ILogger CreateLogger(string categoryName) => Logger;

        public void Dispose()
        {
        }
    }

    private sealed class StderrLogger(LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                System.Console.Error.WriteLine($"nudge: {formatter(state, exception)}");
            }
        }
    }
}
