using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Nudge.Http;

/// <summary>
/// Function-key authorization as the Functions host does it, for hosts without one (<c>nudge serve</c>): a key in
/// the <c>x-functions-key</c> header or the <c>code</c> query parameter; any function key or the admin key opens
/// <see cref="ApiAccess.Function"/> routes, only the admin key opens <see cref="ApiAccess.Admin"/> ones.
/// </summary>
/// <param name="functionKey">The function key.</param>
/// <param name="adminKey">The admin (master) key.</param>
public sealed class ApiKeys(string functionKey, string adminKey)
{
    /// <summary>The function key.</summary>
    public string FunctionKey { get; } = Check(functionKey, nameof(functionKey));

    /// <summary>The admin key.</summary>
    public string AdminKey { get; } = Check(adminKey, nameof(adminKey));

    /// <summary>New random keys (32 bytes each, base64url).</summary>
    /// <returns>The keys.</returns>
    public static ApiKeys Generate() => new(NewKey(), NewKey());

    /// <summary>Whether the request may call a route with <paramref name="access"/>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="access">What the route needs.</param>
    /// <returns>200 when allowed, 401 when no valid key was given, 403 when a function key was given for an admin route.</returns>
    public int Authorize(HttpRequest request, ApiAccess access)
    {
        if (access == ApiAccess.Anonymous)
        {
            return StatusCodes.Status200OK;
        }

        string? presented = request.Headers["x-functions-key"].FirstOrDefault() ?? request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(presented))
        {
            return StatusCodes.Status401Unauthorized;
        }

        bool admin = SameKey(presented, AdminKey);
        if (admin)
        {
            return StatusCodes.Status200OK;
        }

        if (!SameKey(presented, FunctionKey))
        {
            return StatusCodes.Status401Unauthorized;
        }

        return access == ApiAccess.Function ? StatusCodes.Status200OK : StatusCodes.Status403Forbidden;
    }

    private static bool SameKey(string presented, string key) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Check(string key, string name) =>
        string.IsNullOrWhiteSpace(key) || key.Length < 16 ? throw new ArgumentException("A key needs at least 16 characters.", name) : key;
}
