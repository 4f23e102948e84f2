using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// Maps <see cref="ApiRoutes"/> onto an ASP.NET Core host (<c>nudge serve</c>) with the same handler classes the
/// Functions triggers call, behind <see cref="ApiKeys"/>. Needs in DI: <see cref="DurableTaskClient"/>,
/// <see cref="IObjectStore"/>, <see cref="IndexEntriesApi"/>, <see cref="ReviewApi"/>, <see cref="ApiKeys"/>, <see cref="SignedFileLinks"/>
/// (also registered as the <see cref="IReadLinkSigner"/>), and MVC core (the handlers return <see cref="IActionResult"/>).
/// </summary>
public static class ApiEndpoints
{
    /// <summary>Maps every route under <c>/api/</c>, and the signed-link files route.</summary>
    /// <param name="app">The endpoint builder.</param>
    /// <returns><paramref name="app"/>.</returns>
    public static IEndpointRouteBuilder MapNudgeApi(this IEndpointRouteBuilder app)
    {
        Map(app, ApiRoutes.StartGeneration, c => GenerationsApi.StartAsync(c.Request, Client(c), c.RequestAborted));
        Map(app, ApiRoutes.GetGeneration, c => GenerationsApi.GetAsync(c.Request, RouteValue(c, "id"), Client(c), c.RequestServices.GetService<IReadLinkSigner>(), c.RequestAborted));
        Map(app, ApiRoutes.CancelGeneration, c => GenerationsApi.CancelAsync(RouteValue(c, "id"), Client(c), Store(c), c.RequestAborted));
        Map(app, ApiRoutes.ListIndexEntries, c => Indices(c).ListAsync(RouteValue(c, "name"), c.RequestAborted));
        Map(app, ApiRoutes.EditIndexEntries, c => HttpMethods.IsPost(c.Request.Method)
            ? Indices(c).AddAsync(c.Request, RouteValue(c, "name"), c.RequestAborted)
            : Indices(c).RemoveAsync(c.Request, RouteValue(c, "name"), c.RequestAborted));
        Map(app, ApiRoutes.ListGenerations, c => Review(c).ListGenerationsAsync(c.RequestAborted));
        Map(app, ApiRoutes.ModerationQueue, c => Review(c).ListQueueAsync(c.RequestAborted));
        Map(app, ApiRoutes.DecideUpload, c => Review(c).DecideAsync(c.Request, RouteValue(c, "nameKey"), RouteValue(c, "versionKey"), RouteValue(c, "decision"), c.RequestAborted));
        Map(app, ApiRoutes.ReviewPage, _ => Task.FromResult(Nudge.Http.ReviewPage.Result()));
        app.MapGet("/api/" + SignedFileLinks.Template, ReadFileAsync);
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, ApiRoute route, Func<HttpContext, Task<IActionResult>> handler)
    {
        app.MapMethods("/api/" + route.Template, [.. route.Methods.Select(m => m.ToUpperInvariant())], async context =>
        {
            int status = context.RequestServices.GetRequiredService<ApiKeys>().Authorize(context.Request, route.Access);
            var result = status == StatusCodes.Status200OK
                ? await handler(context)
                : ApiResults.Problem(status, status == StatusCodes.Status401Unauthorized ? "A valid key is required (x-functions-key header or code query parameter)." : "This route takes the admin key.");
            await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
        }).WithName(route.Name);
    }

    private static async Task ReadFileAsync(HttpContext context)
    {
        string container = RouteValue(context, "container"), name = RouteValue(context, "name");
        var links = context.RequestServices.GetRequiredService<SignedFileLinks>();
        IActionResult result;
        if (!links.IsValid(container, name, context.Request.Query["exp"], context.Request.Query["sig"]))
        {
            result = ApiResults.Problem(StatusCodes.Status403Forbidden, "The link is invalid or has expired.");
        }
        else
        {
            try
            {
                var stored = await Store(context).ReadAsync(container, name, context.RequestAborted);
                result = new FileContentResult(stored.Content.ToArray(), stored.Properties.ContentType);
            }
            catch (ObjectNotFoundException)
            {
                result = ApiResults.Problem(StatusCodes.Status404NotFound, "No such object.", $"{container}/{name}");
            }
        }

        await result.ExecuteResultAsync(new ActionContext(context, context.GetRouteData(), new ActionDescriptor()));
    }

    private static string RouteValue(HttpContext context, string key) => context.GetRouteValue(key)?.ToString() ?? "";

    private static DurableTaskClient Client(HttpContext context) => context.RequestServices.GetRequiredService<DurableTaskClient>();

    private static IObjectStore Store(HttpContext context) => context.RequestServices.GetRequiredService<IObjectStore>();

    private static ReviewApi Review(HttpContext context) => context.RequestServices.GetRequiredService<ReviewApi>();

    private static IndexEntriesApi Indices(HttpContext context) => context.RequestServices.GetRequiredService<IndexEntriesApi>();
}
