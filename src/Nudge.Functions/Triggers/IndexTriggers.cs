using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Nudge.Http;

namespace Nudge.Functions.Triggers;

/// <summary>The index HTTP triggers: thin, they delegate to <see cref="IndexEntriesApi"/> (which needs the model's embedder).</summary>
public sealed class IndexTriggers(IndexEntriesApi indices)
{
    /// <summary><c>GET /api/indices/{name}/entries</c>: any function key may read an index.</summary>
    /// <param name="req">The request.</param>
    /// <param name="name">The index name.</param>
    /// <returns>The handler's result.</returns>
    [Function("ListIndexEntries")]
    public Task<IActionResult> ListIndexEntries(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "indices/{name}/entries")] HttpRequest req,
        string name) =>
        indices.ListAsync(name, req.HttpContext.RequestAborted);

    /// <summary>
    /// <c>POST|DELETE /api/indices/{name}/entries</c>: editing an index changes what moderation blocks and what the
    /// nudge avoids, so it takes the admin (master) key, not a function key.
    /// </summary>
    /// <param name="req">The request.</param>
    /// <param name="name">The index name.</param>
    /// <returns>The handler's result.</returns>
    [Function("EditIndexEntries")]
    public Task<IActionResult> EditIndexEntries(
        [HttpTrigger(AuthorizationLevel.Admin, "post", "delete", Route = "indices/{name}/entries")] HttpRequest req,
        string name) =>
        HttpMethods.IsPost(req.Method)
            ? indices.AddAsync(req, name, req.HttpContext.RequestAborted)
            : indices.RemoveAsync(req, name, req.HttpContext.RequestAborted);
}
