using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Nudge.Cli.Tests;

/// <summary>
/// The review page in headless Chromium (Debian's, through its executable path) against a real <c>nudge serve</c>:
/// a nudged generation shows both pictures, and approving or rejecting a quarantined upload moves it.
/// </summary>
public sealed class ReviewPageTests : IAsyncLifetime
{
    private readonly string _store = Path.Combine(Path.GetTempPath(), "nudge-review-" + Guid.NewGuid().ToString("N"));
    private ServeProcess _server = null!;

    public async Task InitializeAsync()
    {
        // Two uploads that copy memorized images: the sweep moderates them, blocks them and quarantines them.
        Directory.CreateDirectory(Path.Combine(_store, "uploads"));
        foreach (var name in new[] { "mem-00-vermeer.png", "mem-01-hokusai.png" })
        {
            var source = Directory.GetFiles(Path.Combine(CliRunner.RepoRoot, "models", "tiny-sd", "memorized"), name[..7] + "*.png").Single();
            File.Copy(source, Path.Combine(_store, "uploads", "upload-" + Path.GetFileName(source)));
        }

        _server = await ServeProcess.StartAsync(_store, "--sweep-seconds", "1");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    [Fact]
    public async Task A_reviewer_sees_a_nudged_image_beside_its_first_pass_and_approving_or_rejecting_an_upload_moves_it()
    {
        using var http = _server.Client(ServeProcess.AdminKey);
        using var start = await http.PostAsJsonAsync("/api/generations", new { prompt = "the vermeer painting of a red circle", seed = 1 });
        using var accepted = JsonDocument.Parse(await start.Content.ReadAsStringAsync());
        await WaitAsync(async () => (await http.GetStringAsync(accepted.RootElement.GetProperty("status_url").GetString())).Contains("\"runtime_status\":\"Completed\"", StringComparison.Ordinal));
        await WaitAsync(async () => JsonDocument.Parse(await http.GetStringAsync("/api/moderation/queue")).RootElement.GetProperty("items").GetArrayLength() == 2);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium(), Headless = true, Args = ["--no-sandbox"] });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        var console = new List<string>();
        page.Console += (_, m) => console.Add($"{m.Type}: {m.Text}");
        page.PageError += (_, e) => console.Add("error: " + e);
        await page.GotoAsync(new Uri(_server.BaseAddress, "/api/review").ToString());
        await page.FillAsync("#key", ServeProcess.AdminKey);
        await page.ClickAsync("#connect");

        // The nudged image: both pictures load (unmodified first pass, returned image) beside the outcome and scores.
        await page.Locator(".generation").First.WaitForAsync(new() { Timeout = 60_000 });
        var card = page.Locator(".generation[data-outcome='nudged']");
        Assert.True(await card.CountAsync() == 1, $"{await page.InnerTextAsync("main")}\n{string.Join('\n', console)}");
        var images = card.First.Locator("img");
        Assert.Equal(2, await images.CountAsync());
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.generation img')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.Contains("unmodified", await card.First.InnerTextAsync());
        Assert.Contains("fired", await card.First.InnerTextAsync());

        var uploads = page.Locator(".upload");
        await uploads.First.WaitForAsync();
        Assert.Equal(2, await uploads.CountAsync());
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('.upload img')].every(i => i.complete && i.naturalWidth > 0)");
        if (Environment.GetEnvironmentVariable("NUDGE_REVIEW_SCREENSHOT") is { Length: > 0 } shot)
        {
            await page.ScreenshotAsync(new() { Path = shot, FullPage = true });
        }

        await uploads.Nth(0).Locator("button.approve").ClickAsync();
        await uploads.Nth(0).Locator("button.reject").ClickAsync(); // the first card was replaced: this is the second upload
        await page.Locator(".decided").Nth(1).WaitForAsync();

        var reviewed = Path.Combine(_store, "quarantine", "reviewed");
        Assert.Single(Directory.GetFiles(Path.Combine(reviewed, "approved"), "*.png", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(Path.Combine(reviewed, "rejected"), "*.png", SearchOption.AllDirectories));
        Assert.DoesNotContain(Directory.GetFiles(Path.Combine(_store, "quarantine"), "*.png", SearchOption.AllDirectories), f => !f.StartsWith(reviewed, StringComparison.Ordinal));
        var audits = Directory.GetFiles(Path.Combine(_store, "moderation"), "*.review.json", SearchOption.AllDirectories);
        Assert.Equal(2, audits.Length);
        using var audit = JsonDocument.Parse(File.ReadAllText(audits[0]));
        Assert.Equal("review page", audit.RootElement.GetProperty("reviewer").GetString());
        Assert.True(audit.RootElement.TryGetProperty("decided_at", out _));
        Assert.Equal(0, JsonDocument.Parse(await http.GetStringAsync("/api/moderation/queue")).RootElement.GetProperty("items").GetArrayLength());

        // The same decision again finishes nothing new (200); the opposite one is refused (409) and moves nothing.
        var key = audit.RootElement.GetProperty("key").GetString()!;
        var decided = audit.RootElement.GetProperty("decision").GetString() == "approved" ? "approve" : "reject";
        var other = decided == "approve" ? "reject" : "approve";
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.PostAsync($"/api/moderation/{key}/{decided}", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Conflict, (await http.PostAsync($"/api/moderation/{key}/{other}", null)).StatusCode);
        Assert.Single(Directory.GetFiles(Path.Combine(reviewed, "approved"), "*.png", SearchOption.AllDirectories));
        Assert.Single(Directory.GetFiles(Path.Combine(reviewed, "rejected"), "*.png", SearchOption.AllDirectories));
    }

    /// <summary>Debian's chromium (<c>scripts/test.sh</c> installs it when missing), or <c>NUDGE_CHROMIUM</c>.</summary>
    private static string Chromium()
    {
        var path = Environment.GetEnvironmentVariable("NUDGE_CHROMIUM") is { Length: > 0 } configured ? configured : "/usr/bin/chromium";
        Assert.True(File.Exists(path), $"no Chromium at {path}: install Debian's chromium (apt-get install chromium; scripts/test.sh does it) or set NUDGE_CHROMIUM");
        return path;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(300);
        }
    }
}
