using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Text.Json.Nodes;

namespace Nudge.Mitigation.Embedding;

/// <summary>
/// The text tower's projection into the joint image–text space, read from <c>embedder/text_projection.bin</c>
/// (safetensors layout: u64 little-endian header size, JSON header, float32 data). The text encoder's
/// <c>last_hidden_state</c> is already after the final layer norm, so
/// <c>text_embeds = W · last_hidden_state[pooled]</c>: a linear map the nudger differentiates in closed form.
/// </summary>
public sealed class TextProjection
{
    private readonly float[] _weight; // [ProjectionDim × HiddenSize], row-major (PyTorch Linear layout)

    /// <summary>Creates a projection from its weight matrix.</summary>
    /// <param name="weight">[projectionDim × hiddenSize], row-major.</param>
    /// <param name="projectionDim">Rows.</param>
    /// <param name="hiddenSize">Columns.</param>
    public TextProjection(float[] weight, int projectionDim, int hiddenSize)
    {
        if (weight.Length != projectionDim * hiddenSize)
        {
            throw new ArgumentException($"Weight has {weight.Length} values, expected {projectionDim}×{hiddenSize}.", nameof(weight));
        }

        _weight = weight;
        ProjectionDim = projectionDim;
        HiddenSize = hiddenSize;
    }

    /// <summary>Joint-space dimension.</summary>
    public int ProjectionDim { get; }

    /// <summary>Text encoder hidden size.</summary>
    public int HiddenSize { get; }

    /// <summary>Reads the file.</summary>
    /// <param name="path"><c>text_projection.bin</c>.</param>
    /// <returns>The projection.</returns>
    /// <exception cref="InvalidDataException">The file is truncated or lacks <c>text_projection.weight</c>.</exception>
    public static TextProjection FromFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
        {
            throw new InvalidDataException($"{path}: truncated header");
        }

        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        if (headerLength <= 0 || 8 + headerLength > bytes.Length)
        {
            throw new InvalidDataException($"{path}: header length {headerLength} does not fit the file");
        }

        var header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength)) as JsonObject ?? throw new InvalidDataException($"{path}: header is not a JSON object");
        var entry = header["text_projection.weight"] ?? throw new InvalidDataException($"{path}: no 'text_projection.weight' tensor");
        if (entry["dtype"]?.GetValue<string>() != "F32")
        {
            throw new InvalidDataException($"{path}: text_projection.weight must be F32");
        }

        var shape = entry["shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
        var offsets = entry["data_offsets"]!.AsArray().Select(v => v!.GetValue<long>()).ToArray();
        long start = 8 + headerLength + offsets[0], end = 8 + headerLength + offsets[1];
        if (shape.Length != 2 || end > bytes.Length || end - start != 4L * shape[0] * shape[1])
        {
            throw new InvalidDataException($"{path}: text_projection.weight data does not match its shape");
        }

        var weight = new float[shape[0] * shape[1]];
        for (int i = 0; i < weight.Length; i++)
        {
            weight[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)start + (4 * i)));
        }

        return new TextProjection(weight, shape[0], shape[1]);
    }

    /// <summary>y = W · h.</summary>
    /// <param name="hidden">A hidden state (HiddenSize).</param>
    /// <param name="destination">ProjectionDim values.</param>
    public void Project(ReadOnlySpan<float> hidden, Span<float> destination)
    {
        for (int r = 0; r < ProjectionDim; r++)
        {
            destination[r] = TensorPrimitives.Dot(_weight.AsSpan(r * HiddenSize, HiddenSize), hidden);
        }
    }

    /// <summary>dh = Wᵀ · dy (the map's gradient pulled back).</summary>
    /// <param name="dy">ProjectionDim values.</param>
    /// <param name="destination">HiddenSize values (overwritten).</param>
    public void ProjectTransposed(ReadOnlySpan<float> dy, Span<float> destination)
    {
        destination.Clear();
        for (int r = 0; r < ProjectionDim; r++)
        {
            TensorPrimitives.MultiplyAdd(_weight.AsSpan(r * HiddenSize, HiddenSize), dy[r], destination, destination);
        }
    }
}
