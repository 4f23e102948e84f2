using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Nudge.Cli.Tests;

/// <summary>A running <c>nudge serve</c> on a free loopback port with known keys and its own store.</summary>
public sealed partial class ServeProcess : IAsyncDisposable
{
    public const string FunctionKey = "function-key-for-the-serve-tests";
    public const string AdminKey = "admin-key-for-the-serve-tests-00";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    private ServeProcess(string store, Process process, Uri baseAddress)
    {
        Store = store;
        _process = process;
        BaseAddress = baseAddress;
    }

    public string Store { get; }

    public Uri BaseAddress { get; }

    public Process Process => _process;

    public string StdErr => string.Join('\n', _stderr);

    public static async Task<ServeProcess> StartAsync(string store, params string[] extraArgs)
    {
        var lines = new ConcurrentQueue<string>();
        var bound = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var env = new Dictionary<string, string> { ["NUDGE_FUNCTION_KEY"] = FunctionKey, ["NUDGE_ADMIN_KEY"] = AdminKey };
        var p = CliRunner.Start(env, line =>
        {
            lines.Enqueue(line);
            if (Serving().Match(line) is { Success: true } m)
            {
                bound.TrySetResult(new Uri(m.Groups[1].Value));
            }
        }, ["serve", "--urls", "http://127.0.0.1:0", "--store", store, .. extraArgs]);
        var exited = p.WaitForExitAsync();
        var first = await Task.WhenAny(bound.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        if (first != bound.Task)
        {
            p.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"nudge serve did not start (exited: {p.HasExited}):\n{string.Join('\n', lines)}");
        }

        var serve = new ServeProcess(store, p, await bound.Task);
        foreach (var l in lines)
        {
            serve._stderr.Enqueue(l);
        }

        return serve;
    }

    public HttpClient Client(string? key = FunctionKey)
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add("x-functions-key", key);
        }

        return http;
    }

    /// <summary>Polls a status URL until <paramref name="until"/> holds for its runtime status (at most 3 minutes).</summary>
    public static async Task<JsonDocument> PollAsync(HttpClient http, string statusUrl, Func<string, bool> until)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            using var r = await http.GetAsync(statusUrl);
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            var doc = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
            var status = doc.RootElement.GetProperty("runtime_status").GetString()!;
            if (until(status))
            {
                return doc;
            }

            doc.Dispose();
            Assert.True(DateTime.UtcNow < deadline, $"still {status} after 3 minutes");
            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"serving the API on (http://[^ ,]+)")]
    private static partial Regex Serving();
}
