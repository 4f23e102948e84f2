using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>One output of one method.</summary>
/// <param name="Method">The method.</param>
/// <param name="Prompt">The prompt as given (before any augmentation).</param>
/// <param name="Seed">The seed.</param>
/// <param name="MemorizedId">The memorized image the prompt is the caption of, or null for a control prompt.</param>
/// <param name="Returned">False when the method withheld the output (refusal).</param>
/// <param name="Outcome">The nudging pipeline's outcome, where one ran.</param>
/// <param name="Flagged">Whether the unmodified output of this prompt and seed fired the undesired filter.</param>
/// <param name="Cosine">Embedding cosine with the memorized image (NaN for control prompts or withheld outputs).</param>
/// <param name="Rmse">Pixel RMSE (0–1 scale) to the memorized image (NaN likewise).</param>
/// <param name="Relevance">Image–prompt cosine (NaN when withheld).</param>
/// <param name="Milliseconds">Wall time for this output.</param>
/// <param name="Png">The PNG returned (empty when withheld).</param>
/// <param name="Embedding">Its image embedding (empty when withheld).</param>
/// <param name="Rounds">Nudge rounds or reseeds taken.</param>
public sealed record EvaluationSample(string Method, string Prompt, long Seed, string? MemorizedId, bool Returned, ImageOutcome? Outcome, bool Flagged,
    float Cosine, float Rmse, float Relevance, double Milliseconds, byte[] Png, float[] Embedding, int Rounds);
