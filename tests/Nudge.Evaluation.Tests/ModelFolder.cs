using Nudge.Evaluation.References;
using Nudge.Mitigation.Indices;
using Nudge.Testing;

namespace Nudge.Evaluation.Tests;

/// <summary>The bundled tiny model's memorized set and siblings (read once; no sessions are opened).</summary>
public static class ModelFolder
{
    public static readonly string Path = System.IO.Path.Combine(RepositoryRoot.Path, "models", "tiny-sd");

    public static readonly Lazy<IReadOnlyList<MemorizedImage>> Memorized = new(() => MemorizedSet.Read(Path));

    public static readonly Lazy<SiblingSet> Siblings = new(() => SiblingSet.Read(Path) ?? throw new InvalidOperationException("no siblings"));
}
