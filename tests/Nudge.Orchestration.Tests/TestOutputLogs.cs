using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// Keeps the Durable Task Framework's warnings and errors, and its lease and partition events, with the time since
/// the test started, and writes them to the test's output. An outage test that stalls then says what the framework
/// was doing (lease lost, partition dropped, queue not polled) instead of only that it timed out.
/// </summary>
internal sealed class TestOutputLogs(ITestOutputHelper output) : ILoggerFactory
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("TestOutputLogs has no providers.");

    /// <summary>Writes what was kept (at most the last <paramref name="max"/> lines) to the test output.</summary>
    public void Flush(int max = 120)
    {
        var lines = _lines.ToArray();
        if (lines.Length > max)
        {
            output.WriteLine($"({lines.Length - max} earlier framework log lines left out)");
        }

        foreach (var line in lines.Skip(Math.Max(0, lines.Length - max)))
        {
            output.WriteLine(line);
        }
    }

    public void Dispose()
    {
    }

    private static bool Keep(LogLevel level, string message) =>
        level >= LogLevel.Warning
        || message.Contains("lease", StringComparison.OrdinalIgnoreCase)
        || message.Contains("partition", StringComparison.OrdinalIgnoreCase);

    private sealed class Logger(TestOutputLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            if (IsEnabled(logLevel) && Keep(logLevel, message))
            {
                var text = message.Length > 600 ? message[..600] + "…" : message;
                owner._lines.Enqueue($"{owner._clock.Elapsed.TotalSeconds,7:F1}s {logLevel} {category}: {text}");
            }
        }
    }
}
