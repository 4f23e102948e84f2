namespace Nudge.Engine.Models;

/// <summary>What identifies a loaded model for reproduction: its name, folder and per-file hashes.</summary>
/// <param name="Name">The name in <c>model_index.json</c>, or the folder name.</param>
/// <param name="Folder">The absolute model folder.</param>
/// <param name="FileHashes">Relative .onnx path → SHA-256 (external weight files folded in).</param>
public sealed record ModelIdentity(string Name, string Folder, IReadOnlyDictionary<string, string> FileHashes);
