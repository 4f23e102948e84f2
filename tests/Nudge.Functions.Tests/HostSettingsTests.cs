using Microsoft.Extensions.Configuration;
using Nudge.Engine.Models;
using Nudge.Functions.Hosting;

namespace Nudge.Functions.Tests;

public sealed class HostSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Local_development_uses_the_NudgeStorage_connection_string()
    {
        var s = NudgeHostSettings.Read(Config(("NudgeStorage", "UseDevelopmentStorage=true"), ("Nudge:ModelPath", "/m"), ("Nudge:ExecutionProvider", "CPU")));
        Assert.Equal("UseDevelopmentStorage=true", s.Storage.ConnectionString);
        Assert.Equal("/m", s.ModelPath);
        Assert.Equal(ExecutionProvider.Cpu, s.ExecutionProvider);
    }

    [Fact]
    public void Azure_uses_the_identity_based_NudgeStorage_settings_of_the_deployment()
    {
        var s = NudgeHostSettings.Read(Config(("NudgeStorage:BlobServiceUri", "https://acct.blob.core.windows.net"), ("NudgeStorage:ClientId", "abc"), ("Nudge:ModelBlobPrefix", "models/sd14")));
        Assert.Equal(new Uri("https://acct.blob.core.windows.net"), s.Storage.ServiceUri);
        Assert.Equal("abc", s.Storage.ManagedIdentityClientId);
        Assert.Equal("/models/sd", s.ModelPath);
        Assert.Equal("models/sd14", s.ModelBlobPrefix);
        Assert.Equal(ExecutionProvider.Auto, s.ExecutionProvider);
    }

    [Fact]
    public void Missing_storage_or_a_bad_provider_fails_naming_the_setting()
    {
        Assert.Contains("NudgeStorage", Assert.Throws<InvalidOperationException>(() => NudgeHostSettings.Read(Config())).Message);
        Assert.Contains("Nudge__ExecutionProvider", Assert.Throws<InvalidOperationException>(() => NudgeHostSettings.Read(Config(("NudgeStorage", "x"), ("Nudge:ExecutionProvider", "tpu")))).Message);
    }
}
