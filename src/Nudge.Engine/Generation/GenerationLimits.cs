namespace Nudge.Engine.Generation;

/// <summary>
/// Every bound on the work one request may ask for, in one place. The CLI (exit 2), the HTTP API (400 problem+json)
/// and batch files (a rejected line) check the same numbers, and the messages name the limit and the value.
/// </summary>
/// <remarks>
/// The bounds keep one request from holding a shared GPU worker for long: at the limits, one image is 150 steps at
/// 1024 × 1024, and one job is 16 such images.
/// </remarks>
public static class GenerationLimits
{
    /// <summary>Most UTF-8 bytes in a prompt or a negative prompt.</summary>
    public const int MaxPromptBytes = 2048;

    /// <summary>
    /// Most tokens in a prompt or negative prompt, BOS and EOS excluded: CLIP reads 77 with them. A longer prompt
    /// would be cut without a word, so it is refused instead (checked where the tokenizer is: the CLI and the worker).
    /// </summary>
    public const int MaxPromptTokens = 75;

    /// <summary>Most inference steps.</summary>
    public const int MaxSteps = 150;

    /// <summary>Largest width or height in pixels (a multiple of 8).</summary>
    public const int MaxSide = 1024;

    /// <summary>Most images one request asks for (count, or prompts × count).</summary>
    public const int MaxImagesPerJob = 16;

    /// <summary>Most non-blank lines in a batch file (the batch runs them a chunk at a time, so history stays small).</summary>
    public const int MaxBatchLines = 100_000;

    /// <summary>Largest batch file in bytes (it is read whole once, to validate every line before any runs).</summary>
    public const long MaxBatchFileBytes = 32 * 1024 * 1024;

    /// <summary>The problem with a prompt's length in bytes, or null.</summary>
    /// <param name="field">The field's name, for the message.</param>
    /// <param name="prompt">The prompt.</param>
    /// <returns>The message, or null when within the limit.</returns>
    public static string? PromptBytesProblem(string field, string? prompt)
    {
        int bytes = prompt is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(prompt);
        return bytes > MaxPromptBytes ? $"{field} is {bytes} bytes of UTF-8; the limit is {MaxPromptBytes}" : null;
    }
}
