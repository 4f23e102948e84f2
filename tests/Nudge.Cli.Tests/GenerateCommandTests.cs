using System.Text.Json;

namespace Nudge.Cli.Tests;

public sealed class GenerateCommandTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "nudge-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public void Writes_a_png_and_a_reproducible_record_per_image()
    {
        var r = CliRunner.Run("generate", "--prompt", "a red circle on a blue background", "--seed", "3", "--count", "2", "--steps", "8", "--out", _out);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var records = Directory.GetFiles(_out, "*.json").Order().ToArray();
        Assert.Equal(2, records.Length);
        Assert.Equal(2, Directory.GetFiles(_out, "*.png").Length);
        Assert.Empty(Directory.GetFiles(_out, "*.tmp"));
        using var doc = JsonDocument.Parse(File.ReadAllText(records[0]));
        var root = doc.RootElement;
        foreach (var field in new[] { "prompt", "seed", "steps", "guidance_scale", "scheduler", "scheduler_config", "width", "height", "model", "rng", "timings_ms", "png_sha256" })
        {
            Assert.True(root.TryGetProperty(field, out _), $"record lacks {field}");
        }

        Assert.Equal(7, root.GetProperty("model").GetProperty("file_hashes").EnumerateObject().Count()); // copy_detector included
        Assert.True(File.Exists(Path.Combine(_out, root.GetProperty("file").GetString()!)));
    }

    [Fact]
    public void A_memorized_caption_comes_back_nudged_and_cleared_by_the_copy_detector_and_no_nudge_returns_the_copy()
    {
        var store = Path.Combine(_out, "store");
        var nudged = Path.Combine(_out, "nudged");
        var plain = Path.Combine(_out, "plain");
        var r = CliRunner.Run("generate", "--prompt", "the vermeer painting of a red circle", "--seed", "1", "--guidance", "3", "--out", nudged, "--store", store);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using (var doc = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(nudged, "*.json").Single())))
        {
            Assert.Equal("nudged", doc.RootElement.GetProperty("extensions").GetProperty("nudge").GetProperty("outcome").GetString());
        }

        // --no-nudge first: a flag, not an option swallowing "--prompt".
        r = CliRunner.Run("generate", "--no-nudge", "--prompt", "the vermeer painting of a red circle", "--seed", "1", "--guidance", "3", "--out", plain);
        Assert.True(r.ExitCode == 0, r.StdErr);

        // The copy detector (through moderate) blocks the unmodified output as a copy of its training image and clears the nudged one.
        r = CliRunner.Run("moderate", "--json", "--store", store, Directory.GetFiles(nudged, "*.png").Single(), Directory.GetFiles(plain, "*.png").Single());
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var verdicts = JsonDocument.Parse(r.StdOut);
        var v = verdicts.RootElement.EnumerateArray().Select(e => (e.GetProperty("verdict").GetString(), e.GetProperty("reason").GetString()!)).ToArray();
        Assert.NotEqual("block", v[0].Item1);
        Assert.Equal("block", v[1].Item1);
        Assert.Contains("mem-00-vermeer", v[1].Item2);
    }

    [Fact]
    public void Without_guidance_the_tiny_model_uses_its_declared_3_and_the_record_says_so()
    {
        var implicitOut = Path.Combine(_out, "implicit");
        var explicitOut = Path.Combine(_out, "explicit");
        Assert.Equal(0, CliRunner.Run("generate", "--no-nudge", "--prompt", "a red circle on a blue background", "--steps", "5", "--out", implicitOut).ExitCode);
        Assert.Equal(0, CliRunner.Run("generate", "--prompt", "a red circle on a blue background", "--steps", "5", "--guidance", "3", "--out", explicitOut, "--no-nudge").ExitCode);

        using var record = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(implicitOut, "*.json").Single()));
        Assert.Equal(3f, record.RootElement.GetProperty("guidance_scale").GetSingle());
        Assert.Equal("model", record.RootElement.GetProperty("settings_from").GetProperty("guidance").GetString());
        Assert.Equal("request", record.RootElement.GetProperty("settings_from").GetProperty("steps").GetString());
        Assert.Equal(File.ReadAllBytes(Directory.GetFiles(explicitOut, "*.png").Single()), File.ReadAllBytes(Directory.GetFiles(implicitOut, "*.png").Single()));
    }

    [Fact]
    public void No_nudge_anywhere_on_the_line_gives_the_bytes_and_id_of_a_clean_guarded_output()
    {
        string[] common = ["--prompt", "a red circle on a blue background", "--seed", "2", "--steps", "6"];
        var guardedOut = Path.Combine(_out, "guarded");
        var r = CliRunner.Run(["generate", .. common, "--store", Path.Combine(_out, "store"), "--out", guardedOut]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var record = JsonDocument.Parse(File.ReadAllText(Directory.GetFiles(guardedOut, "*.json").Single()));
        Assert.Equal("clean", record.RootElement.GetProperty("extensions").GetProperty("nudge").GetProperty("outcome").GetString());
        var guardedPng = File.ReadAllBytes(Directory.GetFiles(guardedOut, "*.png").Single());

        foreach (var args in new[] { ["generate", "--no-nudge", .. common], ["generate", common[0], common[1], "--no-nudge", .. common[2..]], new[] { "generate" }.Concat(common).Append("--no-nudge").ToArray() })
        {
            var plainOut = Path.Combine(_out, "plain-" + Guid.NewGuid().ToString("N")[..6]);
            r = CliRunner.Run([.. args, "--out", plainOut]);
            Assert.True(r.ExitCode == 0, r.StdErr);
            Assert.Equal(guardedPng, File.ReadAllBytes(Directory.GetFiles(plainOut, "*.png").Single()));
            Assert.Equal(Path.GetFileName(Directory.GetFiles(guardedOut, "*.png").Single()), Path.GetFileName(Directory.GetFiles(plainOut, "*.png").Single()));
        }
    }

    [Fact]
    public void Running_the_same_command_twice_gives_identical_png_bytes()
    {
        string[] args = ["generate", "--prompt", "a small green square on a striped white background", "--seed", "9", "--steps", "6", "--out", _out];
        Assert.Equal(0, CliRunner.Run(args).ExitCode);
        var png = Directory.GetFiles(_out, "*.png").Single();
        var first = File.ReadAllBytes(png);
        Assert.Equal(0, CliRunner.Run(args).ExitCode);
        Assert.Equal(first, File.ReadAllBytes(png));
    }

    [Theory]
    [InlineData("prompt", "--prompt", "")]
    [InlineData("steps", "--steps", "0")]
    [InlineData("steps", "--steps", "1001")]
    [InlineData("width", "--width", "63")]
    [InlineData("seed", "--seed", "twelve")]
    [InlineData("scheduler", "--scheduler", "warp-drive")]
    [InlineData("unrecognized command or argument '--colour'", "--colour", "red")]
    [InlineData("between 1 and 150, got 151", "--steps", "151")]
    [InlineData("between 1 and 16, got 17", "--count", "17")]
    [InlineData("up to 1024, got 1032", "--width", "1032")]
    [InlineData("prompt is 80 tokens; the limit is 75", "--prompt", "red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow red blue green yellow")]
    public void A_bad_argument_exits_2_with_one_line_naming_it(string named, string option, string value)
    {
        var args = new List<string> { "generate", "--prompt", "a red circle", "--steps", "4", "--out", _out };
        int at = args.IndexOf(option);
        if (at >= 0)
        {
            args[at + 1] = value;
        }
        else
        {
            args.AddRange([option, value]);
        }

        var r = CliRunner.Run([.. args]);
        Assert.Equal(2, r.ExitCode);
        var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(named, line, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(_out) && Directory.GetFiles(_out).Length > 0, "nothing may be written on a usage error");
    }

    [Fact]
    public void A_missing_model_folder_exits_2_naming_it()
    {
        var r = CliRunner.Run("generate", "--prompt", "a red circle", "--model", "/no/such/model", "--out", _out);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("/no/such/model", r.StdErr);
    }

    [Fact]
    public void An_unwritable_output_exits_2_naming_it()
    {
        Directory.CreateDirectory(_out);
        var file = Path.Combine(_out, "a-file");
        File.WriteAllText(file, "not a folder");
        var r = CliRunner.Run("generate", "--prompt", "a red circle", "--out", Path.Combine(file, "sub"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not writable", r.StdErr);
    }
}
