using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Nudge.Orchestration;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// The generation endpoints, independent of the Functions runtime (the triggers in <c>Triggers/</c> only delegate
/// here): start a generation, read its status and results, cancel it.
/// </summary>
/// <remarks>
/// Results name their blobs (<c>outputs/{id}/{index}.png</c>) and, when a signer is configured, carry read-only
/// links valid for <see cref="LinkLifetime"/>: user-delegation SAS when deployed (shared keys are disabled), a
/// service SAS on Azurite.
/// </remarks>
public static class GenerationsApi
{
    /// <summary>Largest accepted request body, in bytes.</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>How long the result links in a status response work.</summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromMinutes(15);

    /// <summary><c>POST /api/generations</c>: validate, schedule, 202 with status, cancel and result URLs; 400 naming each bad field.</summary>
    /// <param name="request">The HTTP request (JSON body: prompt or prompts, negative_prompt, guidance, steps, scheduler, seed, width, height, count).</param>
    /// <param name="client">The durable client.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>202 Accepted or 400 problem JSON.</returns>
    public static async Task<IActionResult> StartAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken = default)
    {
        if (await RequestBody.ReadAtMostAsync(request, MaxBodyBytes, cancellationToken) is not { } bytes)
        {
            return ApiResults.TooLarge(MaxBodyBytes);
        }

        string body;
        try
        {
            body = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            return ApiResults.Validation(new Dictionary<string, string> { ["body"] = "the body is not UTF-8 text" });
        }

        var errors = GenerationRequestParser.TryParse(body.Length == 0 ? "null" : body, out var job);
        if (job is null)
        {
            return ApiResults.Validation(errors);
        }

        var id = "gen-" + Guid.NewGuid().ToString("N");
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(GenerationOrchestrator), job, new StartOrchestrationOptions { InstanceId = id }, cancellationToken);
        var urls = Urls(request, id);
        return new AcceptedResult(urls.Status, new { id, status = "pending", status_url = urls.Status, cancel_url = urls.Cancel, images = job.Expand(id).Count });
    }

    /// <summary><c>GET /api/generations/{id}</c>: runtime status, progress, and the per-image results finished so far.</summary>
    /// <param name="request">The HTTP request.</param>
    /// <param name="id">The generation id.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="signer">Signs read links to the results, or null to return blob names only.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>200 with the status, or 404.</returns>
    public static async Task<IActionResult> GetAsync(HttpRequest request, string id, DurableTaskClient client, IReadLinkSigner? signer = null, CancellationToken cancellationToken = default)
    {
        var meta = await client.GetInstanceAsync(id, getInputsAndOutputs: true, cancellationToken);
        if (meta is null || meta.Name != nameof(GenerationOrchestrator))
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "No such generation.", id);
        }

        var progress = meta.SerializedCustomStatus is null ? null : meta.ReadCustomStatusAs<OrchestrationProgress>();
        IReadOnlyList<ImageResult> images;
        BlobRef? manifest = null;
        if (meta.RuntimeStatus == OrchestrationRuntimeStatus.Completed && meta.ReadOutputAs<GenerationSummary>() is { } summary)
        {
            images = summary.Images;
            manifest = summary.Manifest;
        }
        else
        {
            // Still running (or stopped): the images whose sub-orchestrations have finished.
            var job = meta.ReadInputAs<GenerationJob>();
            var finished = new List<ImageResult>();
            foreach (var item in job?.Expand(id) ?? [])
            {
                var sub = await client.GetInstanceAsync(OutputNames.ImageInstance(id, item.Index), getInputsAndOutputs: true, cancellationToken);
                if (sub is { RuntimeStatus: OrchestrationRuntimeStatus.Completed } && sub.ReadOutputAs<ImageResult>() is { } r)
                {
                    finished.Add(r);
                }
            }

            images = finished;
        }

        var links = new Dictionary<BlobRef, SignedLink>();
        if (signer is not null)
        {
            foreach (var blob in images.SelectMany(i => new[] { i.Image, i.Record, i.Unmodified }).Append(manifest).OfType<BlobRef>())
            {
                links[blob] = await signer.SignReadAsync(blob.Container, blob.Name, LinkLifetime, cancellationToken);
            }
        }

        Uri? Link(BlobRef? blob) => blob is not null && links.TryGetValue(blob, out var l) ? l.Uri : null;
        var urls = Urls(request, id);
        return new OkObjectResult(new
        {
            id,
            runtime_status = meta.RuntimeStatus.ToString(),
            progress,
            created_at = meta.CreatedAt,
            last_updated_at = meta.LastUpdatedAt,
            manifest,
            manifest_url = Link(manifest),
            links_expire_at = links.Count == 0 ? (DateTimeOffset?)null : links.Values.Min(l => l.ExpiresOn),
            images = images.Select(i => new
            {
                index = i.Index,
                seed = i.Seed,
                prompt = i.Prompt,
                outcome = i.Outcome?.ToString().ToLowerInvariant(),
                image = i.Image,
                image_url = Link(i.Image),
                record = i.Record,
                record_url = Link(i.Record),
                unmodified = i.Unmodified,
                unmodified_url = Link(i.Unmodified),
                rounds = i.Rounds,
                error = i.Error,
            }),
            failure = meta.FailureDetails?.ErrorMessage,
            status_url = urls.Status,
            cancel_url = urls.Cancel,
        });
    }

    /// <summary>
    /// <c>POST /api/generations/{id}/cancel</c>: records the cancel request (running image activities see it and stop
    /// between denoising steps), then terminates the generation and its image sub-orchestrations.
    /// </summary>
    /// <param name="id">The generation id.</param>
    /// <param name="client">The durable client.</param>
    /// <param name="store">The store the activities watch.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>202, 404, or 409 when it has already finished.</returns>
    public static async Task<IActionResult> CancelAsync(string id, DurableTaskClient client, IObjectStore store, CancellationToken cancellationToken = default)
    {
        var meta = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken);
        if (meta is null || meta.Name != nameof(GenerationOrchestrator))
        {
            return ApiResults.Problem(StatusCodes.Status404NotFound, "No such generation.", id);
        }

        if (meta.IsCompleted)
        {
            return ApiResults.Problem(StatusCodes.Status409Conflict, "The generation has already finished.", $"{id} is {meta.RuntimeStatus}");
        }

        await CancellationMarker.WriteAsync(store, id, cancellationToken);
        await client.TerminateInstanceAsync(id, new TerminateInstanceOptions { Output = "cancelled by request", Recursive = true }, cancellationToken);
        return new AcceptedResult((string?)null, new { id, status = "cancelling" });
    }

    private static (string Status, string Cancel) Urls(HttpRequest request, string id)
    {
        var root = $"{PublicOrigin(request)}{request.PathBase}/api/generations/{id}";
        return (root, root + "/cancel");
    }

    /// <summary>
    /// The scheme and host a client used: behind the Container Apps ingress and the Functions host the request
    /// arrives as plain HTTP on an internal host, and the proxies name the original in <c>X-Forwarded-Proto</c> and
    /// <c>X-Forwarded-Host</c> (the first entry of each is the client-facing one).
    /// </summary>
    /// <param name="request">The request.</param>
    /// <returns>For example <c>https://nudge.example</c>.</returns>
    internal static string PublicOrigin(HttpRequest request)
    {
        static string? First(string? header) => header?.Split(',')[0].Trim() is { Length: > 0 } v ? v : null;
        var scheme = First(request.Headers["X-Forwarded-Proto"]) is { } proto && (proto == "http" || proto == "https") ? proto : request.Scheme;
        var host = First(request.Headers["X-Forwarded-Host"]) is { } fwd && HostString.FromUriComponent(fwd) is { HasValue: true } parsed && Uri.CheckHostName(parsed.Host) != UriHostNameType.Unknown
            ? parsed.ToUriComponent()
            : request.Host.ToUriComponent();
        return $"{scheme}://{host}";
    }
}
