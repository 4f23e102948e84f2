namespace Nudge.Http;

/// <summary>One HTTP endpoint: the function name, route template (under <c>/api/</c>), methods and key it needs.</summary>
/// <param name="Name">The function's name in the Functions app.</param>
/// <param name="Template">The route template, e.g. <c>generations/{id}</c>.</param>
/// <param name="Methods">The HTTP methods, lower case.</param>
/// <param name="Access">The key a caller must present.</param>
public sealed record ApiRoute(string Name, string Template, IReadOnlyList<string> Methods, ApiAccess Access);
