namespace Nudge.Evaluation;

/// <summary>One method's numbers.</summary>
/// <param name="Method">The method.</param>
/// <param name="MemorizedOutputs">Memorized-caption outputs (returned or not).</param>
/// <param name="Withheld">Outputs withheld (the "writer's block").</param>
/// <param name="MemorizedShare">Share of returned memorized-caption outputs at or above the threshold.</param>
/// <param name="MaxCosine">Largest cosine with the memorized image.</param>
/// <param name="P95Cosine">95th-percentile cosine.</param>
/// <param name="MinRmse">Smallest pixel RMSE to the memorized image.</param>
/// <param name="P5Rmse">5th-percentile pixel RMSE.</param>
/// <param name="Relevance">Mean image–prompt cosine of returned memorized-caption outputs.</param>
/// <param name="RelativeRelevance">Relevance over the no-mitigation relevance.</param>
/// <param name="RelativeMedianTime">Median time per image over no mitigation's.</param>
/// <param name="ControlChanged">Control outputs whose PNG differs from no mitigation's.</param>
/// <param name="ControlCount">Control outputs.</param>
/// <param name="FlaggedResolved">Of outputs flagged unmodified, the share ending clean or nudged below the threshold.</param>
/// <param name="TriggeredRelativeTime">Median time of flagged outputs over no mitigation's for the same outputs.</param>
/// <param name="CleanRelativeTime">Median time of unflagged outputs over no mitigation's for the same outputs.</param>
public sealed record MethodSummary(string Method, int MemorizedOutputs, int Withheld, double MemorizedShare, double MaxCosine, double P95Cosine, double MinRmse, double P5Rmse,
    double Relevance, double RelativeRelevance, double RelativeMedianTime, int ControlChanged, int ControlCount, double FlaggedResolved, double TriggeredRelativeTime, double CleanRelativeTime);
