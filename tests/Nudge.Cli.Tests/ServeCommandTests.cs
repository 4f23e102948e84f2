using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Nudge.Cli.Tests;

/// <summary>One <c>nudge serve</c> for the class: the API over loopback, driven with a real <see cref="HttpClient"/>.</summary>
public sealed class ServeFixture : IAsyncLifetime
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "nudge-serve-" + Guid.NewGuid().ToString("N"));

    public ServeProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await ServeProcess.StartAsync(_store);

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class ServeCommandTests(ServeFixture fx) : IClassFixture<ServeFixture>
{
    private ServeProcess Server => fx.Server;

    [Fact]
    public async Task A_generation_is_accepted_with_202_and_Location_completes_and_its_links_download_the_exact_bytes()
    {
        using var http = Server.Client();
        using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle on a blue background", steps = 3, seed = 5 });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        using var accepted = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
        var statusUrl = accepted.RootElement.GetProperty("status_url").GetString()!;
        Assert.Equal(statusUrl, start.Headers.Location?.ToString());
        Assert.StartsWith(Server.BaseAddress.ToString().TrimEnd('/'), statusUrl);

        var done = await ServeProcess.PollAsync(http, statusUrl, s => s == "Completed");
        var image = done.RootElement.GetProperty("images")[0];
        Assert.Equal("clean", image.GetProperty("outcome").GetString());

        // The links are the capability: no key needed, and they download exactly what the record describes.
        using var anonymous = Server.Client(key: null);
        var png = await anonymous.GetByteArrayAsync(image.GetProperty("image_url").GetString());
        using var record = JsonDocument.Parse(await anonymous.GetStringAsync(image.GetProperty("record_url").GetString()));
        Assert.Equal(record.RootElement.GetProperty("png_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(png)));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        Assert.Equal("model", record.RootElement.GetProperty("settings_from").GetProperty("guidance").GetString());

        var tampered = image.GetProperty("image_url").GetString()!.Replace("sig=", "sig=0", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.GetAsync(tampered)).StatusCode);
    }

    [Fact]
    public async Task The_same_request_gives_the_same_ids_and_png_bytes_from_generate_batch_and_http_nudged_included()
    {
        const string Prompt = "the vermeer painting of a red circle";
        var dir = Path.Combine(Path.GetTempPath(), "nudge-parity-" + Guid.NewGuid().ToString("N"));
        try
        {
            // HTTP (nudge serve).
            using var http = Server.Client();
            using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = Prompt, seed = 1, count = 2 });
            using var accepted = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
            var done = await ServeProcess.PollAsync(http, accepted.RootElement.GetProperty("status_url").GetString()!, s => s == "Completed");
            var viaHttp = new List<(string Id, string Outcome, byte[] Png)>();
            foreach (var image in done.RootElement.GetProperty("images").EnumerateArray().OrderBy(i => i.GetProperty("index").GetInt32()))
            {
                using var record = JsonDocument.Parse(await http.GetStringAsync(image.GetProperty("record_url").GetString()));
                viaHttp.Add((record.RootElement.GetProperty("id").GetString()!, image.GetProperty("outcome").GetString()!, await http.GetByteArrayAsync(image.GetProperty("image_url").GetString())));
            }

            // CLI generate, with its own store.
            var cliOut = Path.Combine(dir, "cli");
            var r = CliRunner.Run("generate", "--prompt", Prompt, "--seed", "1", "--count", "2", "--store", Path.Combine(dir, "store-cli"), "--out", cliOut);
            Assert.True(r.ExitCode == 0, r.StdErr);
            var viaCli = Directory.GetFiles(cliOut, "*.json").Select(f => JsonDocument.Parse(File.ReadAllText(f)).RootElement)
                .OrderBy(e => e.GetProperty("index").GetInt32())
                .Select(e => (Id: e.GetProperty("id").GetString()!, Png: File.ReadAllBytes(Path.Combine(cliOut, e.GetProperty("file").GetString()!)))).ToList();

            // CLI batch (in-process host), with its own store.
            var file = Path.Combine(dir, "parity.jsonl");
            File.WriteAllText(file, JsonSerializer.Serialize(new { prompt = Prompt, seed = 1, count = 2 }) + "\n");
            var batchOut = Path.Combine(dir, "batch");
            r = CliRunner.Run("batch", file, "--store", Path.Combine(dir, "store-batch"), "--out", batchOut);
            Assert.True(r.ExitCode == 0, r.StdErr);
            var viaBatch = Enumerable.Range(0, 2).Select(i => (
                Id: JsonDocument.Parse(File.ReadAllText(Path.Combine(batchOut, "line-1", $"{i}.json"))).RootElement.GetProperty("id").GetString()!,
                Png: File.ReadAllBytes(Path.Combine(batchOut, "line-1", $"{i}.png")))).ToList();

            Assert.Contains(viaHttp, i => i.Outcome == "nudged");
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(viaHttp[i].Id, viaCli[i].Id);
                Assert.Equal(viaHttp[i].Id, viaBatch[i].Id);
                Assert.Equal(viaHttp[i].Png, viaCli[i].Png);
                Assert.Equal(viaHttp[i].Png, viaBatch[i].Png);
            }
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Cancel_stops_a_running_generation()
    {
        using var http = Server.Client();
        using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = "a small green star on a striped white background", steps = 150, count = 16, seed = 1 });
        Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
        using var accepted = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
        using var cancel = await http.PostAsync(accepted.RootElement.GetProperty("cancel_url").GetString(), content: null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var stopped = await ServeProcess.PollAsync(http, accepted.RootElement.GetProperty("status_url").GetString()!, s => s is "Terminated" or "Completed" or "Failed");
        Assert.Equal("Terminated", stopped.RootElement.GetProperty("runtime_status").GetString());
        Assert.True(stopped.RootElement.GetProperty("images").GetArrayLength() < 16, "a cancelled job of 16 images at 150 steps must not have finished them all");
    }

    [Fact]
    public async Task A_bad_request_gets_400_naming_each_bad_field()
    {
        using var http = Server.Client();
        using var r = await http.PostAsJsonAsync("/api/generations", new { prompt = "", steps = 0, width = 63 });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await r.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order().ToArray();
        Assert.Equal(["prompt", "steps", "width"], fields);

        using var unknown = await http.PostAsync("/api/generations", new StringContent("{\"prompt\": \"x\", \"colour\": \"red\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("colour", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Every_route_needs_a_key_and_index_edits_need_the_admin_key()
    {
        using var anonymous = Server.Client(key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/generations", new { prompt = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/generations/gen-1")).StatusCode);
        using var wrong = Server.Client("not-a-key-of-this-server-at-all");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("/api/indices/undesired/entries")).StatusCode);

        using var function = Server.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await function.GetAsync("/api/generations/gen-does-not-exist")).StatusCode);
        var entry = new { text = "a purple star", id = "serve-test-purple-star" };
        Assert.Equal(HttpStatusCode.Forbidden, (await function.PostAsJsonAsync("/api/indices/undesired/entries", entry)).StatusCode);

        using var admin = Server.Client(ServeProcess.AdminKey);
        using var added = await admin.PostAsJsonAsync("/api/indices/undesired/entries", entry);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync());
        Assert.Contains("serve-test-purple-star", await function.GetStringAsync("/api/indices/undesired/entries"));
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync("/api/indices/undesired/entries?id=serve-test-purple-star")).StatusCode);
        Assert.DoesNotContain("serve-test-purple-star", await function.GetStringAsync("/api/indices/undesired/entries?code=" + ServeProcess.FunctionKey));
    }

    [Fact]
    public async Task An_oversized_body_is_refused_without_being_read_whole()
    {
        // Declared: refused from the Content-Length header.
        using var http = Server.Client();
        using var declared = await http.PostAsync("/api/generations", new ByteArrayContent(new byte[200_000]));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);

        // Chunked, with no length up front: 64 MB offered, refused after the handler's 64 KB, and the server stops
        // taking bytes long before the end (what it took is bounded by its 1 MB request limit and socket buffers).
        const long offered = 64L * 1024 * 1024;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(Server.BaseAddress.Host, Server.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = Encoding.ASCII.GetBytes($"POST /api/generations HTTP/1.1\r\nHost: {Server.BaseAddress.Authority}\r\nx-functions-key: {ServeProcess.FunctionKey}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        await stream.WriteAsync(head);
        long sent = 0;
        using var stopWriting = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes(new string('a', 65536));
            var size = Encoding.ASCII.GetBytes("10000\r\n");
            var crlf = "\r\n"u8.ToArray();
            try
            {
                while (sent < offered && !stopWriting.IsCancellationRequested)
                {
                    await stream.WriteAsync(size, stopWriting.Token);
                    await stream.WriteAsync(chunk, stopWriting.Token);
                    await stream.WriteAsync(crlf, stopWriting.Token);
                    sent += chunk.Length;
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
            {
            }
        });

        var response = new StringBuilder();
        var buffer = new byte[4096];
        using var readTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!response.ToString().Contains("\r\n", StringComparison.Ordinal))
        {
            int n = await stream.ReadAsync(buffer, readTimeout.Token);
            if (n == 0)
            {
                break;
            }

            response.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        stopWriting.Cancel();
        tcp.Close();
        await writer;
        Assert.StartsWith("HTTP/1.1 413", response.ToString());
        Assert.True(sent < offered / 4, $"the client got {sent:N0} of {offered:N0} bytes into the server");
    }
}

/// <summary>SIGTERM stops the server cleanly: it says so and exits 0.</summary>
public sealed class ServeShutdownTests
{
    [Fact]
    public async Task Sigterm_stops_it_cleanly()
    {
        var store = Path.Combine(Path.GetTempPath(), "nudge-serve-term-" + Guid.NewGuid().ToString("N"));
        await using var server = await ServeProcess.StartAsync(store);
        using (var kill = Process.Start("kill", ["-TERM", server.Process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.Process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, server.Process.ExitCode);
        Directory.Delete(store, recursive: true);
    }
}
