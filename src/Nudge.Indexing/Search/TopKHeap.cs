using System.Runtime.CompilerServices;

namespace Nudge.Indexing.Search;

/// <summary>
/// The best <c>k</c> (score, row) pairs seen so far, in a fixed-size binary min-heap whose root is the worst kept
/// pair. Ties in score are broken by row (lower row wins), so results are deterministic and equal to a full sort.
/// </summary>
internal sealed class TopKHeap
{
    private readonly float[] _scores;
    private readonly int[] _rows;
    private int _count;

    public TopKHeap(int capacity)
    {
        _scores = new float[capacity];
        _rows = new int[capacity];
    }

    public int Count => _count;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Offer(float score, int row)
    {
        if (_count == _scores.Length)
        {
            // Fast reject: most rows of a large scan are worse than the current k-th best.
            float worst = _scores[0];
            if (score < worst || (score == worst && row > _rows[0]))
            {
                return;
            }

            _scores[0] = score;
            _rows[0] = row;
            SiftDown(0);
        }
        else
        {
            int i = _count++;
            _scores[i] = score;
            _rows[i] = row;
            SiftUp(i);
        }
    }

    public void OfferAll(TopKHeap other)
    {
        for (int i = 0; i < other._count; i++)
        {
            Offer(other._scores[i], other._rows[i]);
        }
    }

    /// <summary>The kept pairs, best first.</summary>
    public (float Score, int Row)[] ToSortedArray()
    {
        var result = new (float Score, int Row)[_count];
        for (int i = 0; i < _count; i++)
        {
            result[i] = (_scores[i], _rows[i]);
        }

        Array.Sort(result, static (a, b) => IsWorse(a.Score, a.Row, b.Score, b.Row) ? 1 : IsWorse(b.Score, b.Row, a.Score, a.Row) ? -1 : 0);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsWorse(float score, int row, float otherScore, int otherRow) =>
        score < otherScore || (score == otherScore && row > otherRow);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            if (!IsWorse(_scores[i], _rows[i], _scores[parent], _rows[parent]))
            {
                break;
            }

            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int left = (2 * i) + 1;
            if (left >= _count)
            {
                return;
            }

            int worst = left;
            int right = left + 1;
            if (right < _count && IsWorse(_scores[right], _rows[right], _scores[left], _rows[left]))
            {
                worst = right;
            }

            if (!IsWorse(_scores[worst], _rows[worst], _scores[i], _rows[i]))
            {
                return;
            }

            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
