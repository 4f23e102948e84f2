using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Nudge.Http;

/// <summary>Problem responses (RFC 9457 <c>application/problem+json</c>) shared by the HTTP handlers.</summary>
internal static class ApiResults
{
    /// <summary>400 naming each bad field.</summary>
    public static IActionResult Validation(IReadOnlyDictionary<string, string> errors) =>
        Problem(new ValidationProblemDetails(errors.ToDictionary(e => e.Key, e => new[] { e.Value }))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid.",
            Detail = string.Join("; ", errors.Select(e => $"{e.Key}: {e.Value}")),
        });

    /// <summary>413: the body is longer than <paramref name="maxBytes"/>.</summary>
    public static IActionResult TooLarge(int maxBytes) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "The request body is too large.", $"at most {maxBytes} bytes");

    /// <summary>Any other problem status.</summary>
    public static IActionResult Problem(int status, string title, string? detail = null) =>
        Problem(new ProblemDetails { Status = status, Title = title, Detail = detail });

    private static ObjectResult Problem(ProblemDetails problem) => new(problem)
    {
        StatusCode = problem.Status,
        ContentTypes = { "application/problem+json" },
    };
}
