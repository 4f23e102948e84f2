using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Nudge.Orchestration.Tests;

/// <summary>
/// An Azurite process of this test's own (on-disk, free ports), which the test can stop and start again on the
/// same data folder. The binary is <c>NUDGE_AZURITE_BIN</c>, else the copy <c>.ci/azurite.sh</c> installs under
/// <c>.tools/azurite</c>; a missing binary fails the test with instructions.
/// </summary>
internal sealed class PrivateAzurite : IDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly string _bin;
    private readonly int[] _ports;
    private Process? _process;

    public PrivateAzurite()
    {
        _bin = Environment.GetEnvironmentVariable("NUDGE_AZURITE_BIN") is { Length: > 0 } configured
            ? configured
            : Path.Combine(WorkerFixture.RepoRoot(), ".tools", "azurite", "node_modules", ".bin", "azurite");
        if (!File.Exists(_bin))
        {
            throw new InvalidOperationException($"Azurite is not installed at {_bin}: run `.ci/azurite.sh start` once (it installs azurite@3.37.0 from npm) or set NUDGE_AZURITE_BIN.");
        }

        DataFolder = Path.Combine(Path.GetTempPath(), "nudge-azurite-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(DataFolder);
        _ports = [FreePort(), FreePort(), FreePort()];
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + AccountKey +
            $";BlobEndpoint=http://127.0.0.1:{_ports[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_ports[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_ports[2]}/devstoreaccount1;";
    }

    public string DataFolder { get; }

    public string ConnectionString { get; }

    public int? ProcessId => _process?.Id;

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo(_bin) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
        {
            "--silent", "--skipApiVersionCheck", "--loose", "--disableTelemetry", "--location", DataFolder,
            "--blobHost", "127.0.0.1", "--blobPort", _ports[0].ToString(), "--queueHost", "127.0.0.1", "--queuePort", _ports[1].ToString(),
            "--tableHost", "127.0.0.1", "--tablePort", _ports[2].ToString(),
        })
        {
            psi.ArgumentList.Add(a);
        }

        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!_ports.All(PortOpen))
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"private Azurite did not start (exited: {_process.HasExited})");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Stops Azurite with SIGTERM, as a service restart does, and waits for it to exit. Not SIGKILL: Azurite keeps
    /// its metadata in LokiJS and saves it every 5 s, so SIGKILL would lose writes it had already acknowledged, a
    /// failure Azure Storage itself does not have.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        // A graceful close waits for open requests and then saves the databases; give it time.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Azurite (PID {_process.Id}) did not exit within 90 s of SIGTERM");
        }
        _process.Dispose();
        _process = null;
    }

    public bool IsReachable => _ports.All(PortOpen);

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process?.Dispose();
        try
        {
            Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static bool PortOpen(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
