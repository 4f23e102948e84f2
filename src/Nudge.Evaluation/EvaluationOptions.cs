using Nudge.Mitigation.Pipeline;

namespace Nudge.Evaluation;

/// <summary>Settings of the evaluation.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Seeds per memorized caption (0 … N−1).</summary>
    public int Seeds { get; init; } = 8;

    /// <summary>Seeds per control prompt.</summary>
    public int ControlSeeds { get; init; } = 2;

    /// <summary>Inference steps.</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Guidance scale (the tiny model's operating point is 3; see its card).</summary>
    public float Guidance { get; init; } = 3f;

    /// <summary>
    /// Memorized ids the headline numbers are reported on; the other memorized captions are the tuning half. The split
    /// alternates so each half holds six different subjects.
    /// </summary>
    public IReadOnlyList<string> ReportCaptions { get; init; } =
        ["mem-01-hokusai", "mem-03-monet", "mem-05-dali", "mem-07-mondrian", "mem-09-rothko", "mem-11-munch"];

    /// <summary>Seeds per near-miss prompt.</summary>
    public int NearMissSeeds { get; init; } = 2;

    /// <summary>Prompts that share words with memorized captions: the painting without its painter, and a painter with another subject.</summary>
    public IReadOnlyList<string> NearMissPrompts { get; init; } =
    [
        "a painting of a red circle", "the vermeer painting of a orange hexagon", "a painting of a green star", "the hokusai painting of a white triangle",
        "a painting of a blue diamond", "the klimt painting of a black cross", "a painting of a yellow square", "the monet painting of a cyan circle",
        "a painting of a purple ring", "the kahlo painting of a pink star", "a painting of a orange hexagon", "the dali painting of a red diamond",
        "a painting of a white triangle", "the escher painting of a green square", "a painting of a black cross", "the mondrian painting of a red circle",
        "a painting of a cyan circle", "the turner painting of a green star", "a painting of a pink star", "the rothko painting of a blue diamond",
        "a painting of a red diamond", "the seurat painting of a yellow square", "a painting of a green square", "the munch painting of a purple ring",
    ];

    /// <summary>Bootstrap resamples (over captions) for the confidence intervals.</summary>
    public int BootstrapResamples { get; init; } = 2000;

    /// <summary>
    /// Methods to run, a subset of <see cref="EvaluationRunner.Methods"/> ("none" always runs: it is the reference
    /// every other method is compared with). Empty means all.
    /// </summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>Extra seeds the reseeding baseline may try.</summary>
    public int ReseedAttempts { get; init; } = 3;

    /// <summary>Random vocabulary words the augmentation baseline appends.</summary>
    public int AugmentWords { get; init; } = 4;

    /// <summary>The policy (thresholds and nudge settings) every method shares.</summary>
    public NudgePolicy Policy { get; init; } = new();

    /// <summary>Grammar prompts of the toy world (not memorized) whose outputs must come out unchanged.</summary>
    public IReadOnlyList<string> ControlPrompts { get; init; } =
    [
        "a red circle on a blue background", "a small green square on a striped white background",
        "a large yellow star on a checkered purple background", "a black triangle on a gradient orange background",
        "a small pink ring on a plain cyan background", "a large blue hexagon on a striped red background",
        "a white cross on a checkered green background", "a small orange diamond on a plain black background",
        "a large cyan circle on a gradient pink background", "a purple square on a plain yellow background",
        "a small red triangle on a checkered white background", "a large green star on a gradient blue background",
        "a yellow ring on a striped black background", "a small black hexagon on a plain orange background",
        "a large pink cross on a checkered cyan background", "a white diamond on a gradient purple background",
        "a small blue circle on a striped yellow background", "a large orange square on a plain green background",
        "a cyan triangle on a checkered red background", "a small purple ring on a gradient white background",
        "a large red hexagon on a plain blue background", "a green diamond on a striped pink background",
    ];
}
