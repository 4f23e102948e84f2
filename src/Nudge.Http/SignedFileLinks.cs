using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Nudge.Storage;

namespace Nudge.Http;

/// <summary>
/// Read links for a host without Blob SAS (<c>nudge serve</c> on a local folder store): <c>{origin}/api/files/{container}/{name}?exp=..&amp;sig=..</c>,
/// an HMAC-SHA256 over container, name and expiry with a per-process secret. The link is the capability, like a SAS:
/// the route needs no key, and a link stops working when it expires or the process restarts.
/// </summary>
public sealed class SignedFileLinks : IReadLinkSigner
{
    /// <summary>The route template of the files endpoint (under <c>/api/</c>).</summary>
    public const string Template = "files/{container}/{**name}";

    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly Func<string> _origin;
    private readonly TimeProvider _time;

    /// <summary>Creates the signer.</summary>
    /// <param name="origin">The scheme, host and port clients reach the server at (read when a link is made).</param>
    /// <param name="time">The clock.</param>
    public SignedFileLinks(Func<string> origin, TimeProvider? time = null)
    {
        _origin = origin;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public Task<SignedLink> SignReadAsync(string container, string name, TimeSpan lifetime, CancellationToken cancellationToken = default)
    {
        var expires = _time.GetUtcNow().Add(lifetime);
        long exp = expires.ToUnixTimeSeconds();
        var uri = new Uri($"{_origin()}/api/files/{Uri.EscapeDataString(container)}/{string.Join('/', name.Split('/').Select(Uri.EscapeDataString))}?exp={exp}&sig={Sign(container, name, exp)}");
        return Task.FromResult(new SignedLink(uri, DateTimeOffset.FromUnixTimeSeconds(exp), "hmac"));
    }

    /// <summary>Whether a link's signature is this process's and has not expired.</summary>
    /// <param name="container">The container.</param>
    /// <param name="name">The object name.</param>
    /// <param name="exp">The link's <c>exp</c> value.</param>
    /// <param name="sig">The link's <c>sig</c> value.</param>
    /// <returns>True when the link is valid now.</returns>
    public bool IsValid(string container, string name, string? exp, string? sig)
    {
        if (!long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || sig is null
            || seconds < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(container, name, seconds)), Encoding.ASCII.GetBytes(sig));
    }

    private string Sign(string container, string name, long exp) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_secret, Encoding.UTF8.GetBytes($"{container}\n{name}\n{exp}")));
}
