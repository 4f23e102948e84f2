namespace Nudge.Evaluation;

/// <summary>One method's numbers on one set of memorized captions (the report half, the tuning half, or all).</summary>
/// <param name="Method">The method.</param>
/// <param name="Subset">"report", "tune" or "all".</param>
/// <param name="Outputs">Memorized-caption outputs.</param>
/// <param name="Withheld">Outputs the method refused to return.</param>
/// <param name="CopyShare">Returned outputs the copy detector calls copies (not defined when none were returned).</param>
/// <param name="StructureShare">... that the structural measure calls copies.</param>
/// <param name="EmbedderShare">... that the embedder cosine calls memorized.</param>
/// <param name="OracleColour">Returned outputs whose subject colour the oracle finds.</param>
/// <param name="OracleColourAndShape">... in the right shape too.</param>
/// <param name="RelativeColourAndShape">Colour-and-shape rate of returned outputs relative to the unmodified outputs' on the same prompts and seeds.</param>
/// <param name="RelativeColour">Colour rate relative likewise.</param>
/// <param name="MedianCopy">Median copy-detector cosine of returned outputs.</param>
/// <param name="P95Copy">95th percentile of it.</param>
/// <param name="MedianStructure">Median structural similarity.</param>
/// <param name="MedianColourRmse">Median pixel RMSE after a per-channel colour match.</param>
/// <param name="Flagged">Outputs whose unmodified version the memorization filter flagged.</param>
/// <param name="FlaggedEscaped">Flagged outputs returned and judged a copy by neither the copy detector nor the structural measure.</param>
/// <param name="MeanRounds">Mean nudge rounds (or reseeds) of flagged outputs.</param>
/// <param name="TriggeredCost">Median wall time of flagged outputs relative to the unmodified generation of the same outputs.</param>
public sealed record MethodSummary(string Method, string Subset, int Outputs, int Withheld,
    Interval CopyShare, Interval StructureShare, Interval EmbedderShare,
    Interval OracleColour, Interval OracleColourAndShape, Interval RelativeColourAndShape, Interval RelativeColour,
    double MedianCopy, double P95Copy, double MedianStructure, double MedianColourRmse,
    int Flagged, int FlaggedEscaped, double MeanRounds, double TriggeredCost);

/// <summary>One method on the prompts that are not memorized captions.</summary>
/// <param name="Method">The method.</param>
/// <param name="ControlCount">Grammar control outputs.</param>
/// <param name="ControlChanged">... whose PNG differs from the unmodified one (target 0).</param>
/// <param name="ControlColourAndShape">... whose subject the oracle finds in its colour and shape: what this model draws on ordinary prompts.</param>
/// <param name="CleanCost">Median wall time of the controls relative to unmodified generation.</param>
/// <param name="NearMissCount">Near-miss outputs.</param>
/// <param name="NearMissFlagged">... whose unmodified version the memorization filter flagged.</param>
/// <param name="NearMissChanged">... whose PNG differs from the unmodified one.</param>
/// <param name="NearMissCopies">... returned and judged a copy of some memorized image by the copy detector.</param>
/// <param name="NearMissStructuralCopies">... by the structural measure.</param>
/// <param name="NearMissColourAndShape">... whose own subject (colour and shape) the oracle finds.</param>
public sealed record ControlSummary(string Method, int ControlCount, int ControlChanged, int ControlColourAndShape, double CleanCost,
    int NearMissCount, int NearMissFlagged, int NearMissChanged, int NearMissCopies, int NearMissStructuralCopies, int NearMissColourAndShape);

/// <summary>How the judges behave on the reference set and on unmodified outputs.</summary>
/// <param name="Siblings">Sibling images scored against their own memorized image.</param>
/// <param name="CopyThreshold">The copy detector's calibrated threshold.</param>
/// <param name="CopySiblingRate">Siblings at or above it.</param>
/// <param name="StructureThreshold">The structural measure's threshold (set on the siblings).</param>
/// <param name="StructureSiblingRate">Siblings at or above it.</param>
/// <param name="EmbedderThreshold">The embedder cosine's threshold (set on the siblings).</param>
/// <param name="EmbedderSiblingRate">Siblings at or above it.</param>
/// <param name="SiblingColour">Siblings whose subject colour the oracle finds.</param>
/// <param name="SiblingColourAndShape">... in the right shape too.</param>
/// <param name="SiblingMedianCopy">Median copy-detector cosine of siblings.</param>
/// <param name="SiblingCopyBand">5th and 95th percentile of it.</param>
/// <param name="SiblingStructureBand">5th and 95th percentile of the structural measure on siblings.</param>
public sealed record JudgeCalibration(int Siblings, float CopyThreshold, double CopySiblingRate, float StructureThreshold, double StructureSiblingRate,
    float EmbedderThreshold, double EmbedderSiblingRate, double SiblingColour, double SiblingColourAndShape, double SiblingMedianCopy,
    double[] SiblingCopyBand, double[] SiblingStructureBand);
