using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>What an evaluation prompt is.</summary>
public enum CaseKind
{
    /// <summary>A memorized training caption.</summary>
    Memorized,

    /// <summary>A grammar prompt of the toy world: its outputs must not change.</summary>
    Control,

    /// <summary>A prompt that shares words with a memorized caption ("a painting of a red circle").</summary>
    NearMiss,
}

/// <summary>One output of one method, with every judge's score.</summary>
/// <param name="Method">The method.</param>
/// <param name="Kind">What the prompt is.</param>
/// <param name="Split">"tune" or "report" for memorized captions (tune on one half, report on the other), else null.</param>
/// <param name="Prompt">The prompt as given (before any augmentation).</param>
/// <param name="Seed">The seed.</param>
/// <param name="MemorizedId">The memorized image the output is judged against: the caption's own, or for other prompts the one the copy detector finds closest.</param>
/// <param name="Returned">False when the method withheld the output (refusal).</param>
/// <param name="Outcome">The nudging pipeline's outcome, where one ran.</param>
/// <param name="Rounds">Nudge rounds or reseeds taken.</param>
/// <param name="Milliseconds">Wall time for this output.</param>
/// <param name="Png">The PNG returned (empty when withheld).</param>
/// <param name="Embedding">Its image embedding (empty when withheld).</param>
/// <param name="Scores">The judges' scores (null when withheld).</param>
public sealed record EvaluationSample(string Method, CaseKind Kind, string? Split, string Prompt, long Seed, string? MemorizedId, bool Returned,
    ImageOutcome? Outcome, int Rounds, double Milliseconds, byte[] Png, float[] Embedding, JudgeScores? Scores)
{
    /// <summary>Whether the unmodified output of this prompt and seed fired the memorization filter.</summary>
    public bool Flagged { get; init; }

    /// <summary>Whether the returned PNG differs from the unmodified output's.</summary>
    public bool Changed { get; init; }
}

/// <summary>Every judge's view of one output, against <see cref="EvaluationSample.MemorizedId"/>.</summary>
/// <param name="Copy">Copy-detector cosine (the judge of "memorized").</param>
/// <param name="Structure">Colour-normalised structural similarity (the second measure, which the pipeline never uses).</param>
/// <param name="Embedder">Embedder image cosine (the old measure, kept as the third column).</param>
/// <param name="Rmse">Pixel RMSE (0–1 scale).</param>
/// <param name="ColourRmse">Pixel RMSE after matching each channel's mean and standard deviation to the training image's.</param>
/// <param name="Relevance">Embedder image–prompt cosine.</param>
/// <param name="OracleColour">The oracle finds the prompt's subject colour (null when the prompt names no toy subject).</param>
/// <param name="OracleShape">... in the prompt's subject shape.</param>
/// <param name="OracleShapeName">The shape the oracle saw.</param>
public sealed record JudgeScores(float Copy, float Structure, float Embedder, float Rmse, float ColourRmse, float Relevance,
    bool? OracleColour, bool? OracleShape, string? OracleShapeName);
