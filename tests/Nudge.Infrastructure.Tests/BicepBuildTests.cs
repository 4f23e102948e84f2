namespace Nudge.Infrastructure.Tests;

/// <summary>infra/build.sh compiles every .bicep file with no warning.</summary>
[Collection(BicepCollection.Name)]
public sealed class BicepBuildTests(BicepBuildFixture build)
{
    [Fact]
    public void BuildScript_Succeeds_WithNoDiagnostics()
    {
        Assert.True(build.ExitCode == 0, $"infra/build.sh failed: {build.Output}");
        Assert.DoesNotContain(" : Warning ", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" : Error ", build.Output, StringComparison.Ordinal);
        Assert.Contains("Bicep CLI version 0.49.2", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryBicepFile_HasACompiledTemplate()
    {
        var infra = RepoPaths.Combine("infra");
        var sources = Directory.GetFiles(infra, "*.bicep", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(Path.Combine(infra, "main.bicep"), sources);
        Assert.True(sources.Count >= 10, $"expected main.bicep and its modules, found {sources.Count} files");

        foreach (var source in sources)
        {
            var relative = Path.GetRelativePath(infra, source);
            var json = Path.ChangeExtension(relative, ".json");
            var template = build.Template(json);
            Assert.True(template.TryGetProperty("$schema", out _), $"{json} is not an ARM template");
        }
    }

    [Fact]
    public void BicepCliVersion_IsTheCentrallyPinnedOne()
    {
        var tools = File.ReadAllText(RepoPaths.Combine("infra", "tools", "BicepCli.csproj"));
        var central = File.ReadAllText(RepoPaths.Combine("Directory.Packages.props"));
        Assert.Contains("Include=\"Azure.Bicep.CommandLine.linux-x64\" Version=\"[0.49.2]\"", tools, StringComparison.Ordinal);
        Assert.Contains("Include=\"Azure.Bicep.CommandLine.linux-x64\" Version=\"0.49.2\"", central, StringComparison.Ordinal);
    }
}
