using System.Text.Json;

namespace Nudge.Cli.Tests;

public sealed class ModerateCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-moderate-" + Guid.NewGuid().ToString("N"));

    public ModerateCommandTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Judges_every_file_and_calls_malformed_ones_invalid_without_crashing()
    {
        var memorized = Directory.GetFiles(Path.Combine(CliRunner.RepoRoot, "models", "tiny-sd", "memorized"), "*.png").Order().First();
        var png = File.ReadAllBytes(memorized);
        var truncated = Path.Combine(_dir, "truncated.png");
        File.WriteAllBytes(truncated, png[..(png.Length / 3)]);
        var text = Path.Combine(_dir, "notes.png");
        File.WriteAllText(text, "this is not an image");
        var empty = Path.Combine(_dir, "empty.png");
        File.WriteAllBytes(empty, []);
        var missing = Path.Combine(_dir, "missing.png");

        var r = CliRunner.Run("moderate", memorized, truncated, text, empty, missing, "--json", "--store", Path.Combine(_dir, "store"));
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var verdicts = doc.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("source").GetString()!, e => e.GetProperty("verdict").GetString());
        Assert.Equal("block", verdicts[memorized]);
        Assert.Equal("invalid", verdicts[truncated]);
        Assert.Equal("invalid", verdicts[text]);
        Assert.Equal("invalid", verdicts[empty]);
        Assert.Equal("invalid", verdicts[missing]);
        Assert.All(doc.RootElement.EnumerateArray().Where(e => e.GetProperty("verdict").GetString() == "invalid"),
            e => Assert.False(string.IsNullOrWhiteSpace(e.GetProperty("reason").GetString())));
    }

    [Fact]
    public void Judges_the_whole_hostile_corpus_in_one_run_with_the_expected_verdicts()
    {
        var folder = Path.Combine(CliRunner.RepoRoot, "tests", "corpus", "hostile-images");
        using var expected = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "verdicts.json")));
        var files = Directory.GetFiles(folder).Where(f => Path.GetFileName(f) is not ("make.py" or "verdicts.json")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected.RootElement.EnumerateObject().Count(), files.Length);

        var r = CliRunner.Run(["moderate", .. files, "--json", "--store", Path.Combine(_dir, "store")]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        var got = doc.RootElement.EnumerateArray().ToDictionary(e => Path.GetFileName(e.GetProperty("source").GetString()!), e => e.GetProperty("verdict").GetString());
        var wrong = expected.RootElement.EnumerateObject()
            .Where(p => got.GetValueOrDefault(p.Name) != p.Value.GetProperty("verdict").GetString())
            .Select(p => $"{p.Name}: expected {p.Value.GetProperty("verdict").GetString()}, got {got.GetValueOrDefault(p.Name) ?? "nothing"}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
