namespace Nudge.Engine.Tokenization;

/// <summary>
/// A prompt framed for the CLIP text encoder: <c>[BOS] + content + [EOS]</c>, padded with the pad id to
/// the tokenizer's <see cref="ClipTokenizer.ModelMaxLength"/>.
/// </summary>
/// <param name="InputIds">
/// Exactly <see cref="ClipTokenizer.ModelMaxLength"/> ids. The array is created for this result and
/// belongs to the caller.
/// </param>
/// <param name="Truncated">Whether content ids had to be dropped to fit; EOS is still last in that case.</param>
/// <param name="ContentLength">
/// How many content ids (without BOS and EOS) <paramref name="InputIds"/> holds, so EOS sits at index
/// <c>ContentLength + 1</c>.
/// </param>
public sealed record TokenizedPrompt(int[] InputIds, bool Truncated, int ContentLength);
