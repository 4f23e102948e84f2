using System.Diagnostics;
using System.Reflection;

namespace Nudge.Cli.Tests;

/// <summary>Runs the built <c>nudge</c> CLI as a separate process, as a user would.</summary>
internal static class CliRunner
{
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string Configuration =>
        typeof(CliRunner).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;

    public static string CliDll => Path.Combine(RepoRoot, "src", "Nudge.Cli", "bin", Configuration, "net10.0", "nudge.dll");

    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        using var p = Process.Start(StartInfo(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("nudge did not finish in 5 minutes: " + string.Join(' ', args));
        }

        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the CLI without waiting, for tests that interrupt it; its output is read and dropped.</summary>
    public static Process Start(params string[] args)
    {
        var p = Process.Start(StartInfo(args))!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>Starts the CLI with extra environment variables, handing each stderr line to <paramref name="onError"/>.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, Action<string> onError, params string[] args)
    {
        var psi = StartInfo(args);
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onError(e.Data);
            }
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static ProcessStartInfo StartInfo(string[] args)
    {
        Assert.True(File.Exists(CliDll), $"The CLI is not built at {CliDll}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoRoot };
        psi.ArgumentList.Add(CliDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Nudge.Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Nudge.Functions.sln above {AppContext.BaseDirectory}.");
    }
}
