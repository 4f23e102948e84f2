using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Nudge.Benchmarks.Core;
using Nudge.Testing;

namespace Nudge.Benchmarks.Comparisons;

/// <summary>
/// A bounded load test of <c>nudge serve</c> on loopback (a separate process, as deployed): N clients for a fixed
/// time each start a generation of a few steps and poll it to the end; then 100 clients at once offer oversized
/// chunked bodies. Reports requests/s, acceptance and completion percentiles, errors and the server's memory.
/// </summary>
public sealed partial class ServeLoadComparison : IComparison
{
    private const string FunctionKey = "bench-function-key-0123456789abcdef";
    private const int PollMs = 100;
    private static long s_requests;

    /// <inheritdoc/>
    public string Name => "load";

    /// <inheritdoc/>
    public string Title => "nudge serve under load on loopback: throughput, latency percentiles, errors, memory";

    /// <inheritdoc/>
    public async Task<ComparisonResult> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var result = new ComparisonResult(Name, Title);
        int clients = o.Quick ? 4 : 8;
        var duration = TimeSpan.FromSeconds(o.Quick ? 20 : 60);
        const int Steps = 3;
        string cli = Path.Combine(o.RepoRoot, "src", "Nudge.Cli", "bin", "Release", "net10.0", "nudge.dll");
        if (!File.Exists(cli))
        {
            throw new PeerException($"the CLI is not built at {cli} (dotnet build src/Nudge.Cli -c Release)");
        }

        var table = new ResultTable("load", ["backend", "clients", "seconds", "generations", "generations/s", "HTTP requests/s", "accept p50/p95/p99 (ms)", "complete p50/p95/p99 (ms)", "errors", "server RSS before / peak (MiB)"]);
        var burst = new ResultTable("oversized", ["backend", "bodies", "offered each (MiB)", "answered 413", "most bytes one client got in (KiB)", "RSS before / after (MiB)", "peak RSS after (MiB)"]);
        var backends = new List<(string Name, string[] Args)> { ("in-process", []) };
        string connection = AzuriteTestAccount.ConnectionString;
        try
        {
            await AzuriteTestAccount.EnsureReachableAsync(connection);
            backends.Add(("azure-storage", ["--durable-storage", connection, "--task-hub", "load" + Guid.NewGuid().ToString("N")[..10]]));
        }
        catch (InvalidOperationException ex)
        {
            result.Incomplete = true;
            result.Note($"The Azure Storage backend was not measured: {ex.Message}");
        }

        var throughput = new Dictionary<string, double>();
        foreach (var (backend, extra) in backends)
        {
            using var server = await StartServerAsync(cli, Path.Combine(context.ScratchDir, "load-store-" + backend), o.ModelDir, extra, cancellationToken);
            using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
            await RunClientAsync(http, 0, Steps, DateTime.UtcNow.AddSeconds(1), [], [], cancellationToken); // warm-up
            long rssBefore = Memory(server.Process.Id, "VmRSS");

            context.Log($"load: {backend}: {clients} clients for {duration.TotalSeconds:F0} s, {Steps} steps per image, against {server.BaseAddress}");
            var accept = new List<double>();
            var complete = new List<double>();
            var errors = new List<string>();
            Interlocked.Exchange(ref s_requests, 0);
            var sw = Stopwatch.StartNew();
            var until = DateTime.UtcNow + duration;
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => RunClientAsync(http, c, Steps, until, accept, complete, cancellationToken, errors)));
            double seconds = sw.Elapsed.TotalSeconds;
            long peakAfterLoad = Memory(server.Process.Id, "VmHWM");

            // 100 concurrent oversized bodies (16 MiB offered each, chunked): refused after 64 KiB, memory stays flat.
            long rssBeforeBurst = Memory(server.Process.Id, "VmRSS");
            var refused = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => OversizedAsync(server.BaseAddress, 16L << 20, cancellationToken)));
            long rssAfterBurst = Memory(server.Process.Id, "VmRSS");
            long peakAfterBurst = Memory(server.Process.Id, "VmHWM");

            throughput[backend] = complete.Count / seconds;
            table.Add(backend, clients, seconds, complete.Count, complete.Count / seconds, Interlocked.Read(ref s_requests) / seconds, Percentiles(accept), Percentiles(complete), errors.Count, $"{rssBefore >> 20} / {peakAfterLoad >> 20}");
            burst.Add(backend, refused.Length, 16, refused.Count(r => r.Status == 413), refused.Max(r => r.Sent) >> 10, $"{rssBeforeBurst >> 20} / {rssAfterBurst >> 20}", peakAfterBurst >> 20);
            result.Verdicts.Add(new Verdict($"{backend}: errors under load", errors.Count, "", 0, GoalKind.AtMost));
            result.Verdicts.Add(new Verdict($"{backend}: oversized bodies answered 413", refused.Count(r => r.Status == 413), "", 100, GoalKind.AtLeast));
            result.Verdicts.Add(new Verdict($"{backend}: RSS growth over 100 oversized bodies", (rssAfterBurst - rssBeforeBurst) / 1048576.0, " MiB", 64, GoalKind.AtMost));
            foreach (var e in errors.Distinct().Take(5))
            {
                result.Note($"{backend} error: {e}");
            }
        }

        result.Tables.Add(table);
        result.Tables.Add(burst);
        if (throughput.TryGetValue("azure-storage", out var az))
        {
            result.Verdicts.Add(new Verdict("generations/s, Azure Storage backend / in-process host (same run)", az / throughput["in-process"], "×"));
        }

        result.Note($"Server: nudge serve (local folder store, tiny model, CPU; the Azure Storage backend on Azurite 3.37.0) on {Environment.ProcessorCount} cores shared with the clients; {Steps} PNDM steps per image; each client polls its generation's status every {PollMs} ms, and HTTP requests/s counts starts and polls.");
        return result;
    }

    private static async Task RunClientAsync(HttpClient http, int client, int steps, DateTime until, List<double> accept, List<double> complete, CancellationToken cancellationToken, List<string>? errors = null)
    {
        for (int i = 0; DateTime.UtcNow < until; i++)
        {
            var sw = Stopwatch.StartNew();
            try
            {
                Interlocked.Increment(ref s_requests);
                using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle on a blue background", steps, seed = (client * 100_000) + i }, cancellationToken);
                double accepted = sw.Elapsed.TotalMilliseconds;
                if ((int)start.StatusCode != 202)
                {
                    Add(errors, $"start: {(int)start.StatusCode}");
                    continue;
                }

                using var doc = JsonDocument.Parse(await start.Content.ReadAsStringAsync(cancellationToken));
                var status = doc.RootElement.GetProperty("status_url").GetString()!;
                string state;
                do
                {
                    await Task.Delay(PollMs, cancellationToken);
                    Interlocked.Increment(ref s_requests);
                    using var s = JsonDocument.Parse(await http.GetStringAsync(status, cancellationToken));
                    state = s.RootElement.GetProperty("runtime_status").GetString()!;
                }
                while (state is "Pending" or "Running");

                if (state != "Completed")
                {
                    Add(errors, "generation " + state);
                    continue;
                }

                lock (accept)
                {
                    accept.Add(accepted);
                    complete.Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            catch (HttpRequestException ex)
            {
                Add(errors, ex.Message);
            }
        }
    }

    private static void Add(List<string>? errors, string error)
    {
        if (errors is not null)
        {
            lock (errors)
            {
                errors.Add(error);
            }
        }
    }

    private static async Task<(int Status, long Sent)> OversizedAsync(Uri server, long offered, CancellationToken cancellationToken)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"POST /api/generations HTTP/1.1\r\nHost: {server.Authority}\r\nx-functions-key: {FunctionKey}\r\nTransfer-Encoding: chunked\r\n\r\n"), cancellationToken);
        long sent = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes("10000\r\n" + new string('x', 65536) + "\r\n");
            try
            {
                while (sent < offered)
                {
                    await stream.WriteAsync(chunk, stop.Token);
                    sent += 65536;
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }, CancellationToken.None);
        var buffer = new byte[64];
        int n = 0;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            n = await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
        }

        await stop.CancelAsync();
        tcp.Close();
        await writer;
        var line = Encoding.ASCII.GetString(buffer, 0, n);
        return (line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && line.Length >= 12 ? int.Parse(line.AsSpan(9, 3)) : 0, sent);
    }

    private static string Percentiles(List<double> values)
    {
        if (values.Count == 0)
        {
            return "-";
        }

        var sorted = values.Order().ToArray();
        double P(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return $"{P(0.50):F0} / {P(0.95):F0} / {P(0.99):F0}";
    }

    /// <summary>A field of <c>/proc/{pid}/status</c> (VmRSS: resident now; VmHWM: peak resident), in bytes.</summary>
    private static long Memory(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0]) * 1024;
            }
        }

        return 0;
    }

    private static async Task<RunningServer> StartServerAsync(string cli, string store, string modelDir, string[] extra, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { cli, "serve", "--urls", "http://127.0.0.1:0", "--store", store, "--model", modelDir }.Concat(extra))
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["NUDGE_FUNCTION_KEY"] = FunctionKey;
        psi.Environment["NUDGE_ADMIN_KEY"] = FunctionKey + "-admin";
        var p = Process.Start(psi)!;
        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(e.Data);
            }

            if (Serving().Match(e.Data) is { Success: true } m)
            {
                bound.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        p.OutputDataReceived += (_, _) => { };
        p.BeginErrorReadLine();
        p.BeginOutputReadLine();
        if (await Task.WhenAny(bound.Task, p.WaitForExitAsync(cancellationToken), Task.Delay(TimeSpan.FromMinutes(2), cancellationToken)) != bound.Task)
        {
            p.Kill(entireProcessTree: true);
            throw new PeerException("nudge serve did not start: " + string.Join(" | ", lines));
        }

        return new RunningServer(p, await bound.Task);
    }

    [GeneratedRegex(@"serving the API on (http://[^ ,]+)")]
    private static partial Regex Serving();

    private sealed record RunningServer(Process Process, Uri BaseAddress) : IDisposable
    {
        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit(10_000);
            }

            Process.Dispose();
        }
    }
}
