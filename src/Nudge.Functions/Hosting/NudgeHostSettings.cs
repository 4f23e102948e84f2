using Microsoft.Extensions.Configuration;
using Nudge.Engine.Models;
using Nudge.Storage.Blob;

namespace Nudge.Functions.Hosting;

/// <summary>
/// The app settings the host reads: <c>Nudge__ModelPath</c>, <c>Nudge__ModelBlobPrefix</c>,
/// <c>Nudge__ExecutionProvider</c> (auto|cuda|cpu), and the application storage connection <c>NudgeStorage</c>
/// (a connection string such as <c>UseDevelopmentStorage=true</c>, or <c>NudgeStorage__BlobServiceUri</c> with
/// <c>NudgeStorage__ClientId</c> for a managed identity).
/// </summary>
public sealed record NudgeHostSettings(string ModelPath, string? ModelBlobPrefix, ExecutionProvider ExecutionProvider, BlobObjectStoreOptions Storage)
{
    /// <summary>Reads the settings.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <returns>The settings.</returns>
    /// <exception cref="InvalidOperationException">A setting is missing or invalid; the message names it.</exception>
    public static NudgeHostSettings Read(IConfiguration configuration)
    {
        var modelPath = configuration["Nudge:ModelPath"] is { Length: > 0 } p ? p : "/models/sd";
        var provider = (configuration["Nudge:ExecutionProvider"] ?? "auto").ToLowerInvariant() switch
        {
            "auto" or "" => ExecutionProvider.Auto,
            "cuda" => ExecutionProvider.Cuda,
            "cpu" => ExecutionProvider.Cpu,
            var other => throw new InvalidOperationException($"Nudge__ExecutionProvider must be auto, cuda or cpu, got '{other}'"),
        };

        var storage = new BlobObjectStoreOptions();
        if (configuration["NudgeStorage"] is { Length: > 0 } connectionString)
        {
            storage.ConnectionString = connectionString;
        }
        else if (configuration["NudgeStorage:BlobServiceUri"] is { Length: > 0 } uri)
        {
            storage.ServiceUri = new Uri(uri);
            storage.ManagedIdentityClientId = configuration["NudgeStorage:ClientId"] is { Length: > 0 } id ? id : null;
        }
        else
        {
            throw new InvalidOperationException("The storage connection 'NudgeStorage' is not configured: set NudgeStorage (a connection string) or NudgeStorage__BlobServiceUri.");
        }

        return new NudgeHostSettings(modelPath, configuration["Nudge:ModelBlobPrefix"] is { Length: > 0 } prefix ? prefix : null, provider, storage);
    }
}
