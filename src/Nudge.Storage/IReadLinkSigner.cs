namespace Nudge.Storage;

/// <summary>Makes short-lived read-only links to stored objects, so clients can fetch results without credentials.</summary>
public interface IReadLinkSigner
{
    /// <summary>A read-only link to one object, valid for <paramref name="lifetime"/>.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="lifetime">How long the link works (at most 7 days for user-delegation links).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The link and when it expires.</returns>
    Task<SignedLink> SignReadAsync(string container, string name, TimeSpan lifetime, CancellationToken cancellationToken = default);
}

/// <summary>A signed read link.</summary>
/// <param name="Uri">The link.</param>
/// <param name="ExpiresOn">When it stops working.</param>
/// <param name="Kind">How it was signed: <c>user-delegation</c> (Entra ID, no account key) or <c>service</c> (account key; Azurite and local development).</param>
public sealed record SignedLink(Uri Uri, DateTimeOffset ExpiresOn, string Kind);
