namespace Nudge.Engine.Generation;

/// <summary>A prompt run through the tokenizer and the text encoder.</summary>
/// <param name="Prompt">The text.</param>
/// <param name="InputIds">The 77 token ids fed to the encoder.</param>
/// <param name="HiddenStates">The encoder's <c>last_hidden_state</c>, [77 × hidden] row-major: the UNet's conditioning.</param>
/// <param name="PooledIndex">The position CLIP pools at (the first end-of-text token).</param>
/// <param name="Truncated">Whether the prompt was longer than the encoder's context and was cut.</param>
public sealed record PromptEncoding(string Prompt, int[] InputIds, float[] HiddenStates, int PooledIndex, bool Truncated)
{
    /// <summary>Width of each hidden state.</summary>
    public int HiddenSize => HiddenStates.Length / InputIds.Length;

    /// <summary>A copy with other hidden states (a nudged conditioning), same prompt and ids.</summary>
    /// <param name="hiddenStates">The new conditioning, same shape.</param>
    /// <returns>The new encoding.</returns>
    public PromptEncoding WithHiddenStates(float[] hiddenStates)
    {
        if (hiddenStates.Length != HiddenStates.Length)
        {
            throw new ArgumentException($"Expected {HiddenStates.Length} values, got {hiddenStates.Length}.", nameof(hiddenStates));
        }

        return this with { HiddenStates = hiddenStates };
    }
}
