using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nudge.Orchestration;
using Nudge.Storage;
using Nudge.Storage.Blob;

namespace Nudge.Functions.Hosting;

/// <summary>
/// Start-up work: downloads the model folder from Blob Storage when <c>Nudge__ModelBlobPrefix</c> is set, and
/// resolves <see cref="NudgeWorkerServices"/> (which loads the model, once per process) and warms it up, so the
/// first request does not pay for it.
/// </summary>
internal sealed class ModelStartup(NudgeHostSettings settings, IObjectStore store, IServiceProvider services, ILogger<ModelStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.ModelBlobPrefix is { } prefix && store is BlobObjectStore blob)
        {
            await DownloadAsync(blob.ServiceClient, prefix, settings.ModelPath, logger, cancellationToken);
        }

        var worker = (NudgeWorkerServices)services.GetService(typeof(NudgeWorkerServices))!;
        await worker.WarmUpAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Downloads <c>{container}/{folder}/…</c> (the prefix <c>models/sd14</c> means container <c>models</c>, folder
    /// <c>sd14</c>) into <paramref name="target"/>, skipping files already there with the same length.
    /// </summary>
    internal static async Task<int> DownloadAsync(BlobServiceClient client, string prefix, string target, ILogger logger, CancellationToken cancellationToken)
    {
        var slash = prefix.IndexOf('/', StringComparison.Ordinal);
        var container = client.GetBlobContainerClient(slash < 0 ? prefix : prefix[..slash]);
        var folder = slash < 0 ? "" : prefix[(slash + 1)..].TrimEnd('/') + "/";
        int downloaded = 0;
        await foreach (BlobItem item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder, cancellationToken))
        {
            var relative = item.Name[folder.Length..];
            if (!StorageNames.IsValidObjectName(relative))
            {
                throw new InvalidOperationException($"model blob '{item.Name}' has an unsafe name");
            }

            var path = Path.Combine(target, relative.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(path) && new FileInfo(path).Length == item.Properties.ContentLength)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var partial = path + ".partial";
            await container.GetBlobClient(item.Name).DownloadToAsync(partial, cancellationToken);
            File.Move(partial, path, overwrite: true);
            downloaded++;
        }

        logger.LogInformation("Model {Prefix}: {Count} file(s) downloaded to {Target}", prefix, downloaded, target);
        return downloaded;
    }
}
