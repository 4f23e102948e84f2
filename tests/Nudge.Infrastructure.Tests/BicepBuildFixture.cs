using System.Text.Json;

namespace Nudge.Infrastructure.Tests;

/// <summary>
/// Runs infra/build.sh once for the test collection: the Bicep CLI from NuGet compiles and
/// lints every .bicep file into a temporary folder, failing on any warning.
/// </summary>
public sealed class BicepBuildFixture : IDisposable
{
    public BicepBuildFixture()
    {
        OutDir = Path.Combine(Path.GetTempPath(), "nudge-infra-tests-" + Guid.NewGuid().ToString("N"));
        Result = ProcessRunner.Run(
            "bash",
            [RepoPaths.Combine("infra", "build.sh"), "--outdir", OutDir],
            RepoPaths.Root,
            timeout: TimeSpan.FromMinutes(15));
    }

    internal ProcessResult Result { get; }

    public string OutDir { get; }

    public string Output => Result.Output;

    public int ExitCode => Result.ExitCode;

    /// <summary>Path of a compiled template, relative to infra/ (e.g. "modules/storage.json").</summary>
    public string TemplatePath(string relative) => Path.Combine(OutDir, relative);

    /// <summary>Text of a compiled template; fails the calling test if the build failed.</summary>
    public string TemplateText(string relative)
    {
        var path = TemplatePath(relative);
        Assert.True(ExitCode == 0 && File.Exists(path), $"infra/build.sh did not produce {relative}: {Result}");
        return File.ReadAllText(path);
    }

    /// <summary>Parsed compiled template (a fresh clone, safe to keep).</summary>
    public JsonElement Template(string relative)
    {
        using var document = JsonDocument.Parse(TemplateText(relative));
        return document.RootElement.Clone();
    }

    public JsonElement Main => Template("main.json");

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(OutDir))
            {
                Directory.Delete(OutDir, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: the folder is under the temp directory.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BicepCollection : ICollectionFixture<BicepBuildFixture>
{
    public const string Name = "bicep build";
}
