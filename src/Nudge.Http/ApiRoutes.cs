namespace Nudge.Http;

/// <summary>
/// The HTTP API both hosts expose: the Functions app declares these in its trigger attributes, and <c>nudge serve</c>
/// maps them on Kestrel. A test compares this table with the Functions app's generated <c>functions.metadata</c>.
/// </summary>
public static class ApiRoutes
{
    /// <summary><c>POST generations</c>.</summary>
    public static readonly ApiRoute StartGeneration = new("StartGeneration", "generations", ["post"], ApiAccess.Function);

    /// <summary><c>GET generations/{id}</c>.</summary>
    public static readonly ApiRoute GetGeneration = new("GetGeneration", "generations/{id}", ["get"], ApiAccess.Function);

    /// <summary><c>POST generations/{id}/cancel</c>.</summary>
    public static readonly ApiRoute CancelGeneration = new("CancelGeneration", "generations/{id}/cancel", ["post"], ApiAccess.Function);

    /// <summary><c>GET indices/{name}/entries</c>.</summary>
    public static readonly ApiRoute ListIndexEntries = new("ListIndexEntries", "indices/{name}/entries", ["get"], ApiAccess.Function);

    /// <summary><c>POST|DELETE indices/{name}/entries</c>.</summary>
    public static readonly ApiRoute EditIndexEntries = new("EditIndexEntries", "indices/{name}/entries", ["post", "delete"], ApiAccess.Admin);

    /// <summary>Every route.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } = [StartGeneration, GetGeneration, CancelGeneration, ListIndexEntries, EditIndexEntries];
}
