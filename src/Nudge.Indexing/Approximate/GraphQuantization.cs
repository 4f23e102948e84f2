namespace Nudge.Indexing.Approximate;

/// <summary>
/// How a proximity graph stores its own copy of the vectors (it navigates on them; results are re-ranked on the
/// index's exact rows, so a coarser graph copy costs a little recall, not precision).
/// </summary>
public enum GraphQuantization
{
    /// <summary>32-bit floats: 4 bytes per value.</summary>
    Float32,

    /// <summary>16-bit floats: 2 bytes per value.</summary>
    Float16,

    /// <summary>8-bit integers (USearch's scaled int8): 1 byte per value.</summary>
    Int8,
}
