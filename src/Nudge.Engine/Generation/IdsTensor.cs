using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nudge.Engine.Generation;

/// <summary>Token ids (and an all-ones attention mask when the graph takes one) as int32 or int64.</summary>
internal sealed class IdsTensor : IDisposable
{
    private IdsTensor(OrtValue value) => Value = value;

    public OrtValue Value { get; }

    public static IdsTensor Create(TensorElementType type, IReadOnlyList<int[]> rows, bool onesInstead = false)
    {
        int width = rows[0].Length;
        long[] shape = [rows.Count, width];
        if (type == TensorElementType.Int32)
        {
            var data = new int[rows.Count * width];
            for (int r = 0; r < rows.Count; r++)
            {
                if (onesInstead)
                {
                    data.AsSpan(r * width, width).Fill(1);
                }
                else
                {
                    rows[r].CopyTo(data, r * width);
                }
            }

            return new IdsTensor(OrtValue.CreateTensorValueFromMemory(data, shape));
        }

        var longs = new long[rows.Count * width];
        for (int r = 0; r < rows.Count; r++)
        {
            for (int i = 0; i < width; i++)
            {
                longs[(r * width) + i] = onesInstead ? 1 : rows[r][i];
            }
        }

        return new IdsTensor(OrtValue.CreateTensorValueFromMemory(longs, shape));
    }

    public void Dispose() => Value.Dispose();
}
