namespace Nudge.Indexing;

/// <summary>Rules for index names (they become blob name prefixes): 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit.</summary>
public static class IndexNames
{
    /// <summary>Checks an index name.</summary>
    /// <param name="name">The index name, e.g. <c>undesired</c>.</param>
    /// <param name="paramName">The caller's parameter name, for the exception.</param>
    /// <exception cref="ArgumentException">The name breaks a rule.</exception>
    public static void Validate(string name, string paramName = "name")
    {
        ArgumentNullException.ThrowIfNull(name, paramName);
        bool valid = name.Length is >= 1 and <= 63
            && (char.IsAsciiLetterLower(name[0]) || char.IsAsciiDigit(name[0]))
            && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');
        if (!valid)
        {
            throw new ArgumentException(
                $"Invalid index name '{name}': use 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit.", paramName);
        }
    }
}
