using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Nudge.Http;
using Nudge.Storage;

namespace Nudge.Functions.Triggers;

/// <summary>
/// The generation HTTP triggers: thin, they delegate to <see cref="GenerationsApi"/>. They depend on nothing that
/// loads the model, so status and cancel answer at once on any instance, CPU-only ones included.
/// </summary>
public sealed class GenerationTriggers(IObjectStore store, IReadLinkSigner? signer = null)
{
    /// <summary><c>POST /api/generations</c>.</summary>
    /// <param name="req">The request.</param>
    /// <param name="client">The durable client.</param>
    /// <returns>202 or 400.</returns>
    [Function("StartGeneration")]
    public Task<IActionResult> StartGeneration(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "generations")] HttpRequest req,
        [DurableClient] DurableTaskClient client) =>
        GenerationsApi.StartAsync(req, client, req.HttpContext.RequestAborted);

    /// <summary><c>GET /api/generations/{id}</c>.</summary>
    /// <param name="req">The request.</param>
    /// <param name="id">The generation id.</param>
    /// <param name="client">The durable client.</param>
    /// <returns>200 or 404.</returns>
    [Function("GetGeneration")]
    public Task<IActionResult> GetGeneration(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "generations/{id}")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client) =>
        GenerationsApi.GetAsync(req, id, client, signer, req.HttpContext.RequestAborted);

    /// <summary><c>POST /api/generations/{id}/cancel</c>.</summary>
    /// <param name="req">The request.</param>
    /// <param name="id">The generation id.</param>
    /// <param name="client">The durable client.</param>
    /// <returns>202, 404 or 409.</returns>
    [Function("CancelGeneration")]
    public Task<IActionResult> CancelGeneration(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "generations/{id}/cancel")] HttpRequest req,
        string id,
        [DurableClient] DurableTaskClient client) =>
        GenerationsApi.CancelAsync(id, client, store, req.HttpContext.RequestAborted);
}
