using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Nudge.Engine.Models;

/// <summary>
/// One ONNX session of a model folder (text encoder, UNet, VAE, embedder towers), created once,
/// validated against the signature the pipeline needs, and reused for every call.
/// </summary>
public sealed class OnnxComponent : IDisposable
{
    private readonly Lazy<string> _sha256;

    private OnnxComponent(string path, InferenceSession session)
    {
        FilePath = path;
        Session = session;
        _sha256 = new Lazy<string>(() => HashFile(path), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The .onnx file.</summary>
    public string FilePath { get; }

    /// <summary>The ONNX Runtime session.</summary>
    public InferenceSession Session { get; }

    /// <summary>SHA-256 of the .onnx file (hex), computed on first use.</summary>
    public string Sha256 => _sha256.Value;

    /// <summary>Element type of an input.</summary>
    /// <param name="name">Input name.</param>
    /// <returns>The element type the graph declares.</returns>
    public TensorElementType InputType(string name) => Session.InputMetadata[name].ElementDataType;

    /// <summary>Element type of an output.</summary>
    /// <param name="name">Output name.</param>
    /// <returns>The element type the graph declares.</returns>
    public TensorElementType OutputType(string name) => Session.OutputMetadata[name].ElementDataType;

    /// <summary>Whether the graph has an input of that name.</summary>
    /// <param name="name">Input name.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool HasInput(string name) => Session.InputMetadata.ContainsKey(name);

    /// <summary>Static dimensions of an input (-1 where dynamic).</summary>
    /// <param name="name">Input name.</param>
    /// <returns>The declared dimensions.</returns>
    public int[] InputDimensions(string name) => Session.InputMetadata[name].Dimensions;

    /// <summary>Static dimensions of an output (-1 where dynamic).</summary>
    /// <param name="name">Output name.</param>
    /// <returns>The declared dimensions.</returns>
    public int[] OutputDimensions(string name) => Session.OutputMetadata[name].Dimensions;

    /// <summary>
    /// Opens <paramref name="path"/> and checks that every required input and output in the specs is
    /// present with an allowed element type and rank, and that the graph has no other required input.
    /// </summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Session options (execution provider, threads).</param>
    /// <param name="inputs">Expected inputs.</param>
    /// <param name="outputs">Expected outputs.</param>
    /// <returns>The validated component.</returns>
    /// <exception cref="ModelLoadException">The file is missing, unreadable or its signature differs.</exception>
    public static OnnxComponent Open(string path, SessionOptions options, IReadOnlyList<TensorSpec> inputs, IReadOnlyList<TensorSpec> outputs)
    {
        if (!File.Exists(path))
        {
            throw new ModelLoadException(path, "file not found");
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new ModelLoadException(path, $"ONNX Runtime cannot load it: {ex.Message}", ex);
        }

        try
        {
            Validate(path, "input", session.InputMetadata, inputs);
            Validate(path, "output", session.OutputMetadata, outputs);
            foreach (var name in session.InputMetadata.Keys)
            {
                if (!inputs.Any(s => s.Name == name))
                {
                    throw new ModelLoadException(path, $"unexpected input '{name}' (expected {string.Join(", ", inputs.Select(s => s.Name))})");
                }
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }

        return new OnnxComponent(path, session);
    }

    private static void Validate(string path, string kind, IReadOnlyDictionary<string, NodeMetadata> actual, IReadOnlyList<TensorSpec> specs)
    {
        foreach (var spec in specs)
        {
            if (!actual.TryGetValue(spec.Name, out var meta))
            {
                if (spec.Required)
                {
                    throw new ModelLoadException(path, $"missing {kind} '{spec.Name}' (has {string.Join(", ", actual.Keys)})");
                }

                continue;
            }

            if (!meta.IsTensor)
            {
                throw new ModelLoadException(path, $"{kind} '{spec.Name}' is a {meta.OnnxValueType}, expected a tensor");
            }

            if (!spec.ElementTypes.Contains(meta.ElementDataType))
            {
                throw new ModelLoadException(path,
                    $"{kind} '{spec.Name}' has element type {meta.ElementDataType}, expected {string.Join(" or ", spec.ElementTypes)}");
            }

            int rank = meta.Dimensions.Length;
            if (!spec.Ranks.Contains(rank))
            {
                throw new ModelLoadException(path,
                    $"{kind} '{spec.Name}' has rank {rank} [{string.Join(",", meta.Dimensions)}], expected rank {string.Join(" or ", spec.Ranks)}");
            }
        }
    }

    private static string HashFile(string path)
    {
        using var stream = File.OpenRead(path);
        var hash = SHA256.HashData(stream);

        // External weights (e.g. weights.pb beside a >2 GB UNet) are part of the model's identity.
        var folder = Path.GetDirectoryName(path)!;
        foreach (var extra in Directory.EnumerateFiles(folder).Where(f => !f.EndsWith(".onnx", StringComparison.Ordinal) && !f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var s = File.OpenRead(extra);
            hash = SHA256.HashData([.. hash, .. SHA256.HashData(s)]);
        }

        return Convert.ToHexStringLower(hash);
    }

    /// <inheritdoc />
    public void Dispose() => Session.Dispose();
}
