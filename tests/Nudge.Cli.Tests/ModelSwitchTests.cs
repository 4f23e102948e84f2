namespace Nudge.Cli.Tests;

/// <summary>
/// Using the bundled model and then another model folder against the same store: an index the first model's copy
/// detector built cannot be searched with the second's descriptors, so the CLI exits 2 with one line that says what
/// to do, and writes nothing.
/// </summary>
public sealed class ModelSwitchTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "nudge-switch-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void A_store_built_with_another_models_copy_detector_exits_2_with_one_line_and_a_fresh_store_works()
    {
        // The second model: the bundled folder with a copy detector of a real SSCD export's signature (512-d, where the
        // bundled one makes smaller descriptors), as when switching to a real SD folder in the same working directory.
        var tiny = Path.Combine(CliRunner.RepoRoot, "models", "tiny-sd");
        var other = Path.Combine(_dir, "other-model");
        foreach (var file in Directory.EnumerateFiles(tiny, "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(tiny, file);
            if (rel.StartsWith("reference", StringComparison.Ordinal) || rel.StartsWith("copy_detector", StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(other, rel))!);
            File.Copy(file, Path.Combine(other, rel));
        }

        Directory.CreateDirectory(Path.Combine(other, "copy_detector"));
        File.Copy(Path.Combine(tiny, "fixtures", "copy-detector-sscd", "model.onnx"), Path.Combine(other, "copy_detector", "model.onnx"));

        var store = Path.Combine(_dir, "store");
        var first = CliRunner.Run("generate", "--prompt", "a red circle on a blue background", "--steps", "3", "--store", store, "--out", Path.Combine(_dir, "a"));
        Assert.True(first.ExitCode == 0, first.StdErr);

        var outB = Path.Combine(_dir, "b");
        foreach (var command in new[]
        {
            new[] { "generate", "--prompt", "a red circle on a blue background", "--steps", "3", "--model", other, "--store", store, "--out", outB },
            new[] { "moderate", "--model", other, "--store", store, Directory.GetFiles(Path.Combine(_dir, "a"), "*.png").Single() },
        })
        {
            var r = CliRunner.Run(command);
            Assert.True(r.ExitCode == 2, $"{command[0]}: exit {r.ExitCode}\n{r.StdErr}");
            var line = Assert.Single(r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.Contains("created index", StringComparison.Ordinal) && !l.Contains("CUDA not available", StringComparison.Ordinal));
            Assert.Contains("index 'memorized'", line);
            Assert.Contains("use another --store", line);
            Assert.False(Directory.Exists(outB) && Directory.GetFiles(outB).Length > 0, "nothing may be written");
        }

        var fresh = CliRunner.Run("generate", "--prompt", "a red circle on a blue background", "--steps", "3", "--model", other, "--store", Path.Combine(_dir, "store2"), "--out", outB);
        Assert.True(fresh.ExitCode == 0, fresh.StdErr);
    }
}
