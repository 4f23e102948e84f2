namespace Nudge.Storage;

/// <summary>Immutable, case-insensitive copies of user metadata for results.</summary>
internal static class MetadataDictionary
{
    public static IReadOnlyDictionary<string, string> Empty { get; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase).AsReadOnly();

    public static IReadOnlyDictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>>? metadata)
    {
        if (metadata is null)
        {
            return Empty;
        }

        var copy = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach ((string key, string value) in metadata)
        {
            copy[key] = value;
        }

        return copy.Count == 0 ? Empty : copy.AsReadOnly();
    }
}
