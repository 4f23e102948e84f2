using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Nudge.Http;
using Nudge.Storage;

namespace Nudge.Functions.Triggers;

/// <summary>The review page and the endpoints it calls: thin, they delegate to <see cref="ReviewApi"/> and <see cref="ReviewPage"/>.</summary>
public sealed class ReviewTriggers(IObjectStore store, IReadLinkSigner? signer = null)
{
    private readonly ReviewApi _review = new(store, signer);

    /// <summary><c>GET /api/generations</c>.</summary>
    /// <param name="req">The request.</param>
    /// <returns>200 with the newest finished generations.</returns>
    [Function("ListGenerations")]
    public Task<IActionResult> ListGenerations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "generations")] HttpRequest req) =>
        _review.ListGenerationsAsync(req.HttpContext.RequestAborted);

    /// <summary><c>GET /api/moderation/queue</c>: admin key.</summary>
    /// <param name="req">The request.</param>
    /// <returns>200 with the queued uploads.</returns>
    [Function("ModerationQueue")]
    public Task<IActionResult> ModerationQueue(
        [HttpTrigger(AuthorizationLevel.Admin, "get", Route = "moderation/queue")] HttpRequest req) =>
        _review.ListQueueAsync(req.HttpContext.RequestAborted);

    /// <summary><c>POST /api/moderation/{nameKey}/{versionKey}/{decision}</c>: admin key.</summary>
    /// <param name="req">The request.</param>
    /// <param name="nameKey">The upload's name key.</param>
    /// <param name="versionKey">Its version key.</param>
    /// <param name="decision">approve or reject.</param>
    /// <returns>The handler's result.</returns>
    [Function("DecideUpload")]
    public Task<IActionResult> DecideUpload(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "moderation/{nameKey}/{versionKey}/{decision}")] HttpRequest req,
        string nameKey,
        string versionKey,
        string decision) =>
        _review.DecideAsync(req, nameKey, versionKey, decision, req.HttpContext.RequestAborted);

    /// <summary><c>GET /api/review</c>: the page (no data in it; it calls the API with the key typed into it).</summary>
    /// <param name="req">The request.</param>
    /// <returns>200 text/html.</returns>
    [Function("ReviewPage")]
    public IActionResult Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "review")] HttpRequest req) =>
        ReviewPage.Result();
}
