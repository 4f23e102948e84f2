using System.Diagnostics;
using System.Text.Json;

namespace Nudge.Benchmarks.Core;

/// <summary>A peer could not be started or failed.</summary>
public sealed class PeerException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    public PeerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public PeerException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause.</param>
    public PeerException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A peer script (Python) that answers one JSON line per JSON command line on stdin, so the C# side can
/// interleave its own measurements with the peer's. The first line the peer prints is its "ready" line (or
/// <c>{"error": ...}</c>). Disposing sends <c>{"cmd":"quit"}</c> and waits, then kills only this process.
/// </summary>
public sealed class PeerProcess : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _stderr = new();

    private PeerProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    /// <summary>The script's file name.</summary>
    public string Name { get; }

    /// <summary>The ready line.</summary>
    public JsonElement Ready { get; private set; }

    /// <summary>Starts a peer and waits for its ready line.</summary>
    /// <param name="python">The interpreter.</param>
    /// <param name="script">The script path.</param>
    /// <param name="args">The script's arguments.</param>
    /// <param name="unsetEnvironment">Environment variables removed for this process only.</param>
    /// <param name="setEnvironment">Environment variables set for this process only.</param>
    /// <param name="readyTimeout">How long to wait for the ready line.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The running peer.</returns>
    /// <exception cref="PeerException">The peer failed to start or reported an error.</exception>
    public static async Task<PeerProcess> StartAsync(string python, string script, IEnumerable<string> args,
        IEnumerable<string> unsetEnvironment, IReadOnlyDictionary<string, string>? setEnvironment, TimeSpan readyTimeout, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        psi.ArgumentList.Add(script);
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (string name in unsetEnvironment)
        {
            psi.Environment.Remove(name);
        }

        foreach (var (name, value) in setEnvironment ?? new Dictionary<string, string>())
        {
            psi.Environment[name] = value;
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new PeerException($"could not start {python}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new PeerException($"could not start {python} {Path.GetFileName(script)}: {ex.Message}", ex);
        }

        var peer = new PeerProcess(process, Path.GetFileName(script));
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (peer._stderr)
            {
                peer._stderr.Enqueue(e.Data);
                while (peer._stderr.Count > 30)
                {
                    peer._stderr.Dequeue();
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(readyTimeout);
            peer.Ready = await peer.ReadAsync(timeout.Token).ConfigureAwait(false);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>Sends a command and returns the peer's answer.</summary>
    /// <param name="command">An object serialized as one JSON line.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The answer.</returns>
    /// <exception cref="PeerException">The peer exited or answered with an error.</exception>
    public async Task<JsonElement> RequestAsync(object command, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(command)).ConfigureAwait(false);
        await _process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
        return await ReadAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<JsonElement> ReadAsync(CancellationToken cancellationToken)
    {
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw;
        }

        if (line is null)
        {
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new PeerException($"{Name} exited with code {_process.ExitCode}: {StderrTail()}");
        }

        JsonElement answer;
        try
        {
            answer = JsonDocument.Parse(line).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new PeerException($"{Name} printed a line that is not JSON: {line}", ex);
        }

        if (answer.TryGetProperty("error", out JsonElement error))
        {
            throw new PeerException($"{Name}: {error.GetString()}");
        }

        return answer;
    }

    private string StderrTail()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? "(no stderr)" : string.Join(Environment.NewLine, _stderr);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.WriteLine("{\"cmd\":\"quit\"}");
                _process.StandardInput.Flush();
                if (!_process.WaitForExit(10_000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5_000);
                }
            }
        }
        catch (IOException)
        {
            // The peer is already gone.
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }
}
