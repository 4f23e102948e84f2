using Nudge.Engine.Generation;

namespace Nudge.Cli.Console;

/// <summary>A one-line progress bar on stderr, drawn only when stderr is a terminal.</summary>
internal sealed class ProgressBar : IProgress<GenerationProgress>
{
    private readonly string _label;
    private int _lastWidth;

    private ProgressBar(string label) => _label = label;

    /// <summary>A bar when stderr is a terminal; otherwise null, so output stays quiet.</summary>
    public static ProgressBar? ForTerminal(string label) => System.Console.IsErrorRedirected ? null : new ProgressBar(label);

    public void Report(GenerationProgress value)
    {
        const int width = 30;
        int filled = value.TotalSteps == 0 ? width : value.Step * width / value.TotalSteps;
        var line = $"\r{_label} [{new string('#', filled)}{new string('.', width - filled)}] {value.Phase} {value.Step}/{value.TotalSteps}";
        System.Console.Error.Write(line.PadRight(_lastWidth));
        _lastWidth = line.Length;
    }

    public void Done()
    {
        if (_lastWidth > 0)
        {
            System.Console.Error.Write("\r" + new string(' ', _lastWidth) + "\r");
            _lastWidth = 0;
        }
    }
}
