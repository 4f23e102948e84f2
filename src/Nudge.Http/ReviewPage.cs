using Microsoft.AspNetCore.Mvc;

namespace Nudge.Http;

/// <summary>
/// The review page: plain HTML, CSS and a little JavaScript (<c>review.html</c>, embedded), with no build step. It
/// holds no data; it calls the JSON API with the key typed into it, so both hosts serve it unchanged.
/// </summary>
public static class ReviewPage
{
    private static readonly Lazy<string> s_html = new(() =>
    {
        using var stream = typeof(ReviewPage).Assembly.GetManifestResourceStream("Nudge.Http.review.html")
            ?? throw new InvalidOperationException("review.html is not embedded in Nudge.Http");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The page's HTML.</summary>
    public static string Html => s_html.Value;

    /// <summary>The page as a response.</summary>
    /// <returns>200 text/html.</returns>
    public static IActionResult Result() => new ContentResult { Content = Html, ContentType = "text/html; charset=utf-8", StatusCode = 200 };
}
