using System.Collections.Concurrent;

namespace Nudge.Engine.Tokenization;

/// <summary>
/// A thread-safe, bounded memo of the BPE result of each pre-tokenized piece. When it fills up it is
/// emptied and starts over, which keeps memory bounded without bookkeeping on every hit.
/// </summary>
internal sealed class WordCache
{
    private readonly ConcurrentDictionary<string, int[]> _entries = new(StringComparer.Ordinal);
    private readonly int _capacity;
    private readonly int _maxKeyLength;

    /// <param name="capacity">The most pieces held at once.</param>
    /// <param name="maxKeyLength">Longer pieces are computed every time rather than held.</param>
    public WordCache(int capacity = 8192, int maxKeyLength = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _maxKeyLength = maxKeyLength;
    }

    /// <summary>The number of pieces held now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The cached ids of <paramref name="piece"/>, computing and storing them on a miss. The returned array
    /// is shared: callers must not modify it.
    /// </summary>
    public int[] GetOrAdd(string piece, Func<string, int[]> compute)
    {
        if (piece.Length > _maxKeyLength)
        {
            return compute(piece);
        }

        if (_entries.TryGetValue(piece, out int[]? ids))
        {
            return ids;
        }

        ids = compute(piece);
        if (_entries.Count >= _capacity)
        {
            _entries.Clear();
        }

        _entries.TryAdd(piece, ids);
        return ids;
    }
}
