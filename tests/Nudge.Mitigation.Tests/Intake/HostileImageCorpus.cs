using System.Text.Json;
using Nudge.Testing;

namespace Nudge.Mitigation.Tests.Intake;

/// <summary>
/// The committed corpus of malformed, hostile and valid images (<c>tests/corpus/hostile-images</c>, made by its
/// <c>make.py</c>) and the verdict each must get. Every file in the folder is read; one without a verdict fails.
/// </summary>
internal static class HostileImageCorpus
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot.Path, "tests", "corpus", "hostile-images");

    public static IReadOnlyDictionary<string, string> ExpectedVerdicts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "verdicts.json")));
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("verdict").GetString()!);
    }

    /// <summary>Every image file of the corpus (all files but the script and the verdicts).</summary>
    public static IReadOnlyList<string> Files() =>
        [.. Directory.GetFiles(Folder).Where(f => Path.GetFileName(f) is not ("make.py" or "verdicts.json")).Order(StringComparer.Ordinal)];

    /// <summary>The valid images of each accepted format: the fuzzer's seeds.</summary>
    public static IReadOnlyList<string> ValidSeeds()
    {
        var expected = ExpectedVerdicts();
        return [.. Files().Where(f => Path.GetFileName(f).StartsWith("ok", StringComparison.Ordinal) && expected[Path.GetFileName(f)] == "allow")];
    }
}
