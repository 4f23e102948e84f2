namespace Nudge.Mitigation.Nudging;

/// <summary>
/// The prompt a nudge pulls toward: the user's prompt with the matched entries' trigger words taken out, word by word
/// (case-insensitive, punctuation around a word ignored). "the vermeer painting of a red circle" with the triggers
/// "the vermeer painting of" becomes "a red circle": the caption's subject without what recalls the training image.
/// </summary>
public static class TriggerRelease
{
    /// <summary>Removes the trigger words from a prompt.</summary>
    /// <param name="prompt">The prompt.</param>
    /// <param name="triggerWords">Words to release.</param>
    /// <returns>The remaining words joined by single spaces (empty when every word was a trigger).</returns>
    public static string Apply(string prompt, IEnumerable<string> triggerWords)
    {
        var release = new HashSet<string>(triggerWords.Select(Normalize), StringComparer.Ordinal);
        if (release.Count == 0)
        {
            return prompt;
        }

        var kept = prompt.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Where(w => !release.Contains(Normalize(w)));
        return string.Join(' ', kept);
    }

    private static string Normalize(string word) => word.Trim().Trim(Punctuation).ToLowerInvariant();

    private static readonly char[] Punctuation = [.. ".,;:!?\"'()[]{}"];
}
