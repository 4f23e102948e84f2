namespace Nudge.Storage;

/// <summary>
/// The naming rules every <see cref="IObjectStore"/> enforces, identical for the local folder and Blob Storage
/// so that a name that works in the CLI also works in Azure and cannot escape a container folder.
/// </summary>
public static class StorageNames
{
    /// <summary>The content type stored when a writer gives none.</summary>
    public const string DefaultContentType = "application/octet-stream";

    /// <summary>The longest object name accepted (the Blob Storage limit).</summary>
    public const int MaxObjectNameLength = 1024;

    /// <summary>The largest total size of metadata keys and values, in characters (the Blob Storage limit).</summary>
    public const int MaxMetadataSize = 8 * 1024;

    private static readonly char[] s_invalidNameChars = ['\\', ':', '*', '?', '"', '<', '>', '|'];

    /// <summary>
    /// Checks a container name: 3-63 characters, lowercase ASCII letters, digits and hyphens, starting and
    /// ending with a letter or digit, no two hyphens in a row.
    /// </summary>
    /// <param name="container">The container name.</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">The name breaks a rule; the message says which.</exception>
    public static void ValidateContainerName(string container, string paramName = "container")
    {
        ArgumentNullException.ThrowIfNull(container, paramName);
        string? problem = container.Length is < 3 or > 63
            ? "must be 3-63 characters long"
            : !container.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                ? "may contain only lowercase letters, digits and hyphens"
                : container[0] == '-' || container[^1] == '-'
                    ? "must start and end with a letter or digit"
                    : container.Contains("--", StringComparison.Ordinal)
                        ? "must not contain consecutive hyphens"
                        : null;
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid container name '{container}': it {problem}.", paramName);
        }
    }

    /// <summary>
    /// Checks an object name: a relative <c>/</c>-separated path of at most <see cref="MaxObjectNameLength"/>
    /// characters with no empty, <c>.</c> or <c>..</c> segments, no leading or trailing <c>/</c>, no backslash,
    /// no control characters and none of <c>: * ? " &lt; &gt; |</c>, and no segment ending in a dot or space.
    /// </summary>
    /// <param name="name">The object name.</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">The name breaks a rule; the message says which.</exception>
    public static void ValidateObjectName(string name, string paramName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        string? problem = FindObjectNameProblem(name);
        if (problem is not null)
        {
            throw new ArgumentException($"Invalid object name '{name}': {problem}.", paramName);
        }
    }

    /// <summary>Whether <paramref name="name"/> passes <see cref="ValidateObjectName"/>.</summary>
    /// <param name="name">The object name.</param>
    /// <returns><see langword="true"/> when the name is valid.</returns>
    public static bool IsValidObjectName(string name) => name is not null && FindObjectNameProblem(name) is null;

    /// <summary>What is wrong with an object name, in words, or null when it is valid.</summary>
    /// <param name="name">The object name.</param>
    /// <returns>The first rule it breaks, or null.</returns>
    public static string? DescribeObjectNameProblem(string name) => name is null ? "it is null" : FindObjectNameProblem(name);

    /// <summary>
    /// Checks user metadata: keys are C# identifiers (ASCII letters, digits, underscore; not starting with a digit),
    /// unique ignoring case; values are printable ASCII without leading or trailing spaces; the total size is at
    /// most <see cref="MaxMetadataSize"/> characters.
    /// </summary>
    /// <param name="metadata">The metadata, or <see langword="null"/> (valid: no metadata).</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">A key or value breaks a rule; the message says which.</exception>
    public static void ValidateMetadata(IReadOnlyDictionary<string, string>? metadata, string paramName = "metadata")
    {
        if (metadata is null)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        int size = 0;
        foreach ((string key, string value) in metadata)
        {
            if (string.IsNullOrEmpty(key) || char.IsAsciiDigit(key[0]) || !key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw new ArgumentException($"Invalid metadata key '{key}': keys must be C# identifiers (ASCII letters, digits, underscore).", paramName);
            }

            if (!seen.Add(key))
            {
                throw new ArgumentException($"Metadata key '{key}' appears twice (keys are case-insensitive).", paramName);
            }

            if (value is null || !value.All(c => c is >= ' ' and <= '~') || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' ')))
            {
                throw new ArgumentException($"Invalid value for metadata key '{key}': values must be printable ASCII without leading or trailing spaces.", paramName);
            }

            size += key.Length + value.Length;
        }

        if (size > MaxMetadataSize)
        {
            throw new ArgumentException($"Metadata is {size} characters; at most {MaxMetadataSize} are allowed.", paramName);
        }
    }

    private static string? FindObjectNameProblem(string name)
    {
        if (name.Length == 0)
        {
            return "it is empty";
        }

        if (name.Length > MaxObjectNameLength)
        {
            return $"it is longer than {MaxObjectNameLength} characters";
        }

        if (name[0] == '/')
        {
            return "absolute paths are not allowed (it starts with '/')";
        }

        if (name[^1] == '/')
        {
            return "it ends with '/'";
        }

        int bad = name.IndexOfAny(s_invalidNameChars);
        if (bad >= 0)
        {
            return name[bad] == '\\'
                ? "backslashes are not allowed; use '/' to separate folders"
                : $"the character '{name[bad]}' is not allowed";
        }

        if (name.Any(char.IsControl))
        {
            return "control characters are not allowed";
        }

        foreach (string segment in name.Split('/'))
        {
            if (segment.Length == 0)
            {
                return "empty path segments ('//') are not allowed";
            }

            if (segment is "." or "..")
            {
                return $"'{segment}' path segments are not allowed";
            }

            if (segment[^1] is '.' or ' ')
            {
                return $"the segment '{segment}' ends with a dot or space";
            }
        }

        return null;
    }
}
