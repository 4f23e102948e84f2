namespace Nudge.Http;

/// <summary>The key an endpoint takes, as Functions' authorization levels: a function key, or the admin (master) key.</summary>
public enum ApiAccess
{
    /// <summary>No key: only the review page itself, which holds no data and calls the API with the key it is given.</summary>
    Anonymous,

    /// <summary>Any function key (or the admin key).</summary>
    Function,

    /// <summary>Only the admin key: index edits change what moderation blocks and what the nudge avoids.</summary>
    Admin,
}
