namespace Nudge.Engine.Tests.Models;

/// <summary>A temporary copy of the tiny model folder that a test may alter.</summary>
internal sealed class ModelFolderCopy : IDisposable
{
    public ModelFolderCopy()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "nudge-model-" + Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(TinyModelFixture.Folder, "*", SearchOption.AllDirectories))
        {
            var rel = System.IO.Path.GetRelativePath(TinyModelFixture.Folder, file);
            if (rel.StartsWith("reference", StringComparison.Ordinal) || rel.StartsWith("memorized", StringComparison.Ordinal))
            {
                continue;
            }

            var dest = System.IO.Path.Combine(Path, rel);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
