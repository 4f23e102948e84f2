namespace Nudge.Engine.Models;

/// <summary>A model folder or one of its files is missing, unreadable or has an unexpected signature.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="message">What is wrong with it.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public ModelLoadException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string Path { get; }
}
