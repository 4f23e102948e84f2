using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Nudge.Http;
using Nudge.Storage;

namespace Nudge.Functions.Tests;

[Collection(HostCollection.Name)]
public sealed class GenerationsApiTests(HostFixture fx)
{
    [Fact]
    public async Task A_bad_request_gets_400_problem_json_naming_each_bad_field()
    {
        var req = Http.Request("POST", "/api/generations", """{"prompt": "", "steps": 0, "width": 30, "colour": "red"}""");

        var result = await GenerationsApi.StartAsync(req, fx.Host.Client);

        Assert.Equal(400, Http.Status(result));
        Assert.Contains("application/problem+json", ((ObjectResult)result).ContentTypes);
        var problem = Assert.IsType<ValidationProblemDetails>(((ObjectResult)result).Value);
        // Unknown fields are reported on their own: the body is rejected before the values are checked.
        Assert.Equal(["colour"], problem.Errors.Keys);

        req = Http.Request("POST", "/api/generations", """{"prompt": "", "steps": 0, "width": 30, "scheduler": "nope"}""");
        problem = (ValidationProblemDetails)((ObjectResult)await GenerationsApi.StartAsync(req, fx.Host.Client)).Value!;
        Assert.Equal(["prompt", "scheduler", "steps", "width"], problem.Errors.Keys.Order());
        Assert.Contains("multiple of 8", problem.Errors["width"][0]);
    }

    [Fact]
    public async Task An_empty_or_non_object_body_gets_400()
    {
        Assert.Equal(400, Http.Status(await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", ""), fx.Host.Client)));
        Assert.Equal(400, Http.Status(await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", "[1, 2]"), fx.Host.Client)));
    }

    [Fact]
    public async Task A_good_request_gets_202_with_status_and_cancel_urls_and_its_status_lists_the_images()
    {
        var req = Http.Request("POST", "/api/generations", """{"prompt": "a red circle", "steps": 4, "count": 2, "seed": 5}""");

        var result = await GenerationsApi.StartAsync(req, fx.Host.Client);

        var accepted = Assert.IsType<AcceptedResult>(result);
        Assert.Equal(202, accepted.StatusCode);
        var body = Http.Json(result);
        var id = body.GetProperty("id").GetString()!;
        Assert.Equal($"https://nudge.example/api/generations/{id}", accepted.Location);
        Assert.Equal(accepted.Location, body.GetProperty("status_url").GetString());
        Assert.Equal(accepted.Location + "/cancel", body.GetProperty("cancel_url").GetString());
        Assert.Equal(2, body.GetProperty("images").GetInt32());

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await fx.Host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        var status = await GenerationsApi.GetAsync(Http.Request("GET", $"/api/generations/{id}"), id, fx.Host.Client);

        Assert.Equal(200, Http.Status(status));
        var json = Http.Json(status);
        Assert.Equal("Completed", json.GetProperty("runtime_status").GetString());
        Assert.Equal(2, json.GetProperty("progress").GetProperty("done").GetInt32());
        var images = json.GetProperty("images").EnumerateArray().ToList();
        Assert.Equal([5L, 6L], images.Select(i => i.GetProperty("seed").GetInt64()));
        Assert.Equal($"{id}/1.json", images[1].GetProperty("record").GetProperty("name").GetString());
        Assert.Equal($"{id}/manifest.json", json.GetProperty("manifest").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, images[0].GetProperty("image_url").ValueKind);

        // With a signer every result carries a read link, and the response says when the links expire.
        var signer = new RecordingSigner();
        var signed = Http.Json(await GenerationsApi.GetAsync(Http.Request("GET", $"/api/generations/{id}"), id, fx.Host.Client, signer));
        var signedImages = signed.GetProperty("images").EnumerateArray().ToList();
        Assert.Equal($"https://signed.example/outputs/{id}/1.png?sig=test", signedImages[1].GetProperty("image_url").GetString());
        Assert.Equal($"https://signed.example/outputs/{id}/0.json?sig=test", signedImages[0].GetProperty("record_url").GetString());
        Assert.Equal($"https://signed.example/outputs/{id}/manifest.json?sig=test", signed.GetProperty("manifest_url").GetString());
        Assert.Equal(5, signer.Signed.Count);
        Assert.All(signer.Lifetimes, l => Assert.Equal(GenerationsApi.LinkLifetime, l));
        Assert.True(signed.GetProperty("links_expire_at").GetDateTimeOffset() > DateTimeOffset.UtcNow);
    }

    private sealed class RecordingSigner : IReadLinkSigner
    {
        public List<string> Signed { get; } = [];

        public List<TimeSpan> Lifetimes { get; } = [];

        public Task<SignedLink> SignReadAsync(string container, string name, TimeSpan lifetime, CancellationToken cancellationToken = default)
        {
            Signed.Add($"{container}/{name}");
            Lifetimes.Add(lifetime);
            return Task.FromResult(new SignedLink(new Uri($"https://signed.example/{container}/{name}?sig=test"), DateTimeOffset.UtcNow + lifetime, "test"));
        }
    }

    [Fact]
    public async Task Unknown_generations_get_404_and_finished_ones_cannot_be_cancelled()
    {
        Assert.Equal(404, Http.Status(await GenerationsApi.GetAsync(Http.Request("GET", "/api/generations/nope"), "nope", fx.Host.Client)));
        Assert.Equal(404, Http.Status(await GenerationsApi.CancelAsync("nope", fx.Host.Client, fx.Store)));

        var started = Http.Json(await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", """{"prompt": "x", "steps": 1}"""), fx.Host.Client));
        var id = started.GetProperty("id").GetString()!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await fx.Host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        Assert.Equal(409, Http.Status(await GenerationsApi.CancelAsync(id, fx.Host.Client, fx.Store)));
    }

    [Fact]
    public async Task A_running_generation_can_be_cancelled()
    {
        var started = Http.Json(await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", """{"prompt": "x", "steps": 30, "count": 12}"""), fx.Host.Client));
        var id = started.GetProperty("id").GetString()!;

        var result = await GenerationsApi.CancelAsync(id, fx.Host.Client, fx.Store);

        Assert.Equal(202, Http.Status(result));
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(id, cts.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, meta.RuntimeStatus);
    }

    [Fact]
    public async Task Cancelling_leaves_no_image_sub_orchestration_running_and_no_image_is_made_after_it()
    {
        var started = Http.Json(await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", """{"prompt": "a red circle", "steps": 150, "count": 6, "guidance": 3, "width": 256, "height": 256}"""), fx.Host.Client));
        var id = started.GetProperty("id").GetString()!;
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while ((await RecordsAsync(id)).Count == 0)
        {
            await Task.Delay(50, cts.Token);
        }

        Assert.Equal(202, Http.Status(await GenerationsApi.CancelAsync(id, fx.Host.Client, fx.Store)));
        int atCancel = (await RecordsAsync(id)).Count;
        var parent = await fx.Host.Client.WaitForInstanceCompletionAsync(id, cts.Token);

        // Give a running activity time to notice the marker (it polls every 250 ms) and anything left time to finish.
        await Task.Delay(TimeSpan.FromSeconds(3), cts.Token);
        var children = new List<OrchestrationMetadata?>();
        for (int i = 0; i < 6; i++)
        {
            children.Add(await fx.Host.Client.GetInstanceAsync(Nudge.Orchestration.OutputNames.ImageInstance(id, i), cts.Token));
        }

        int after = (await RecordsAsync(id)).Count;
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, parent.RuntimeStatus);
        Assert.DoesNotContain(children, c => c is { RuntimeStatus: OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending });
        // Children end terminated (recursive termination) or completed with the cancellation as their image's error
        // (their activity saw the marker and stopped); on the in-process host the latter is what is observed.
        Assert.InRange(after, atCancel, atCancel + 1);
        Assert.True(after < 6, $"{after} of 6 images were made although the generation was cancelled after {atCancel}");
    }

    private async Task<List<string>> RecordsAsync(string id)
    {
        var names = new List<string>();
        await foreach (var p in fx.Store.ListAsync(StorageContainers.Outputs, id + "/"))
        {
            if (p.Name.EndsWith(".json", StringComparison.Ordinal) && !p.Name.EndsWith("cancel-requested.json", StringComparison.Ordinal) && !p.Name.EndsWith("manifest.json", StringComparison.Ordinal))
            {
                names.Add(p.Name);
            }
        }

        return names;
    }

    [Theory]
    [InlineData(null, null, "https://nudge.example")]
    [InlineData("https", "public.example", "https://public.example")]
    [InlineData("https, http", "public.example:8443, internal:80", "https://public.example:8443")]
    [InlineData("gopher", "bad host/path", "https://nudge.example")]
    public void Status_urls_use_the_forwarded_scheme_and_host_when_they_are_well_formed(string? proto, string? host, string origin)
    {
        var req = Http.Request("GET", "/api/generations/x");
        if (proto is not null)
        {
            req.Headers["X-Forwarded-Proto"] = proto;
        }

        if (host is not null)
        {
            req.Headers["X-Forwarded-Host"] = host;
        }

        Assert.Equal(origin, GenerationsApi.PublicOrigin(req));
    }

    [Theory]
    [InlineData("""{"prompt": "x", "steps": 151}""", "steps", "steps must be between 1 and 150, got 151")]
    [InlineData("""{"prompt": "x", "count": 17}""", "count", "count must be between 1 and 16, got 17")]
    [InlineData("""{"prompt": "x", "height": 2048}""", "height", "height must be a positive multiple of 8 up to 1024, got 2048")]
    [InlineData("""{"prompts": ["a", "b", "c"], "count": 6}""", "prompts", "prompts × count is 18; at most 16 images per job")]
    public async Task A_request_over_a_limit_gets_400_naming_the_limit_and_the_value(string body, string field, string message)
    {
        var result = await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", body), fx.Host.Client);

        Assert.Equal(400, Http.Status(result));
        var problem = (ValidationProblemDetails)((ObjectResult)result).Value!;
        Assert.Equal(message, Assert.Single(problem.Errors[field]));
    }

    [Fact]
    public async Task A_prompt_over_the_byte_limit_gets_400_naming_its_size()
    {
        var prompt = new string('é', 1500);
        var result = await GenerationsApi.StartAsync(Http.Request("POST", "/api/generations", $$"""{"prompt": "{{prompt}}", "negative_prompt": "{{prompt}}"}"""), fx.Host.Client);

        var problem = (ValidationProblemDetails)((ObjectResult)result).Value!;
        Assert.Equal("prompt is 3000 bytes of UTF-8; the limit is 2048", problem.Errors["prompt"][0]);
        Assert.Equal("negative_prompt is 3000 bytes of UTF-8; the limit is 2048", problem.Errors["negative_prompt"][0]);
    }
}
