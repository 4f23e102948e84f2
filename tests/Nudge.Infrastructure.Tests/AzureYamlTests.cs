using YamlDotNet.RepresentationModel;

namespace Nudge.Infrastructure.Tests;

/// <summary>azure.yaml: the azd project, its one service and its hooks.</summary>
[Collection(BicepCollection.Name)]
public sealed class AzureYamlTests(BicepBuildFixture build)
{
    private static YamlMappingNode LoadRoot()
    {
        using var reader = new StreamReader(RepoPaths.Combine("azure.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key)
    {
        Assert.True(node.Children.TryGetValue(new YamlScalarNode(key), out var child), $"azure.yaml: '{key}' is missing");
        return Assert.IsType<YamlMappingNode>(child);
    }

    private static string Scalar(YamlMappingNode node, string key)
    {
        Assert.True(node.Children.TryGetValue(new YamlScalarNode(key), out var child), $"azure.yaml: '{key}' is missing");
        return Assert.IsType<YamlScalarNode>(child).Value ?? "";
    }

    [Fact]
    public void FunctionsService_IsAContainerAppBuiltFromTheProjectDockerfile()
    {
        var root = LoadRoot();
        Assert.Equal("nudge", Scalar(root, "name"));
        Assert.Equal("infra", Scalar(Map(root, "infra"), "path"));

        var services = Map(root, "services");
        var service = Assert.Single(services.Children);
        Assert.Equal("functions", ((YamlScalarNode)service.Key).Value);

        var functions = (YamlMappingNode)service.Value;
        Assert.Equal("containerapp", Scalar(functions, "host"));
        Assert.Equal("dotnet", Scalar(functions, "language"));
        var project = Scalar(functions, "project");
        Assert.Equal("./src/Nudge.Functions", project);

        var docker = Map(functions, "docker");
        var projectDir = Path.GetFullPath(Path.Combine(RepoPaths.Root, project));
        Assert.Equal("./Dockerfile", Scalar(docker, "path"));
        Assert.True(File.Exists(Path.Combine(projectDir, Scalar(docker, "path"))), "the service Dockerfile is missing");
        Assert.Equal(
            Path.TrimEndingDirectorySeparator(RepoPaths.Root),
            Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(projectDir, Scalar(docker, "context")))));
        Assert.Equal("true", Scalar(docker, "remoteBuild"));

        // azd updates the app with the same API version the Bicep declares it with.
        var app = Arm.Single(build.Main, "Microsoft.App/containerApps");
        Assert.Equal(app.GetProperty("apiVersion").GetString(), Scalar(functions, "apiVersion"));
    }

    [Theory]
    [InlineData("postprovision")]
    [InlineData("postdeploy")]
    public void Hooks_RunTheEventGridScript_OnPosixAndWindows(string hook)
    {
        var hooks = Map(LoadRoot(), "hooks");
        var entry = Map(hooks, hook);

        var posix = Map(entry, "posix");
        Assert.Equal("sh", Scalar(posix, "shell"));
        Assert.Equal("./infra/hooks/eventgrid-subscriptions.sh", Scalar(posix, "run"));

        var windows = Map(entry, "windows");
        Assert.Equal("pwsh", Scalar(windows, "shell"));
        Assert.Equal("./infra/hooks/eventgrid-subscriptions.ps1", Scalar(windows, "run"));

        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Scalar(posix, "run"))));
        Assert.True(File.Exists(Path.Combine(RepoPaths.Root, Scalar(windows, "run"))));
    }
}
