using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Nudge.Cli.Tests;

/// <summary>
/// <c>nudge serve --durable-storage</c>: the same API with orchestrations on the Durable Task Framework's Azure
/// Storage backend (Azurite, which the test command starts), through the SDK-client adapter over the framework client.
/// </summary>
public sealed class ServeOnAzureStorageTests
{
    [Fact]
    public async Task A_generation_completes_and_a_cancel_terminates_the_generation_and_its_running_images()
    {
        var connection = Environment.GetEnvironmentVariable("NUDGE_TEST_BLOB_CONNECTION") ?? "UseDevelopmentStorage=true";
        var store = Path.Combine(Path.GetTempPath(), "nudge-serve-az-" + Guid.NewGuid().ToString("N"));
        var hub = "serve" + Guid.NewGuid().ToString("N")[..10];
        try
        {
            await using var server = await ServeProcess.StartAsync(store, "--durable-storage", connection, "--task-hub", hub);
            Assert.Contains("azure-storage backend", server.StdErr);
            using var http = server.Client();

            using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = "a red circle on a blue background", steps = 3, seed = 5 });
            Assert.Equal(HttpStatusCode.Accepted, start.StatusCode);
            using var accepted = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
            using var done = await ServeProcess.PollAsync(http, accepted.RootElement.GetProperty("status_url").GetString()!, s => s is "Completed" or "Failed" or "Terminated");
            Assert.Equal("Completed", done.RootElement.GetProperty("runtime_status").GetString());
            var png = await http.GetByteArrayAsync(done.RootElement.GetProperty("images")[0].GetProperty("image_url").GetString());
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);

            using var big = await http.PostAsJsonAsync("/api/generations", new { prompt = "a small green star on a striped white background", steps = 150, count = 16, seed = 1 });
            using var bigAccepted = JsonDocument.Parse(await big.Content.ReadAsStringAsync());
            var id = bigAccepted.RootElement.GetProperty("id").GetString()!;
            await Task.Delay(1500);
            using var cancel = await http.PostAsync(bigAccepted.RootElement.GetProperty("cancel_url").GetString(), content: null);
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
            using var stopped = await ServeProcess.PollAsync(http, bigAccepted.RootElement.GetProperty("status_url").GetString()!, s => s is "Terminated" or "Completed" or "Failed");
            Assert.Equal("Terminated", stopped.RootElement.GetProperty("runtime_status").GetString());
            // An image activity that sees the cancel fails its image with a "cancelled" error; on this backend that
            // failure can reach a sub-orchestration before its terminate does, so such images are listed, without a picture.
            var listed = stopped.RootElement.GetProperty("images").EnumerateArray().ToList();
            var made = listed.Count(i => i.GetProperty("image").ValueKind != JsonValueKind.Null);
            Assert.True(made < 16, $"all 16 images were made before the cancel");
            Assert.All(
                listed.Where(i => i.GetProperty("image").ValueKind == JsonValueKind.Null),
                i => Assert.Contains("cancelled", i.GetProperty("error").GetString()));

            // Nothing keeps working: no image appears after the cancel has settled.
            var folder = Path.Combine(store, "outputs", id);
            int Pngs() => Directory.Exists(folder) ? Directory.GetFiles(folder, "*.png").Length : 0;
            int settled = Pngs();
            await Task.Delay(5000);
            Assert.Equal(settled, Pngs());
        }
        finally
        {
            if (Directory.Exists(store))
            {
                Directory.Delete(store, recursive: true);
            }
        }
    }
}
