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

    /// <summary><c>GET generations</c>: the newest finished generations.</summary>
    public static readonly ApiRoute ListGenerations = new("ListGenerations", "generations", ["get"], ApiAccess.Function);

    /// <summary><c>GET moderation/queue</c>: quarantined uploads awaiting a decision.</summary>
    public static readonly ApiRoute ModerationQueue = new("ModerationQueue", "moderation/queue", ["get"], ApiAccess.Admin);

    /// <summary><c>POST moderation/{nameKey}/{versionKey}/{decision}</c>: approve or reject one.</summary>
    public static readonly ApiRoute DecideUpload = new("DecideUpload", "moderation/{nameKey}/{versionKey}/{decision}", ["post"], ApiAccess.Admin);

    /// <summary><c>GET review</c>: the review page (HTML; it calls the API with the key typed into it).</summary>
    public static readonly ApiRoute ReviewPage = new("ReviewPage", "review", ["get"], ApiAccess.Anonymous);

    /// <summary>Every route.</summary>
    public static IReadOnlyList<ApiRoute> All { get; } =
        [StartGeneration, GetGeneration, CancelGeneration, ListIndexEntries, EditIndexEntries, ListGenerations, ModerationQueue, DecideUpload, ReviewPage];
}
