namespace Nudge.Engine.Models;

/// <summary>
/// The optional <c>copy_detector/</c> folder: an SSCD-style image copy detector (Pizzi et al. 2022) that the
/// memorization filter and the evaluation use instead of the embedder. Signature: input <c>pixel_values</c>
/// float [b, 3, H, W], normalized as <c>preprocessor_config.json</c> says (ImageNet mean and std for SSCD);
/// output a float [b, D] descriptor, named <c>descriptor</c> or the graph's only output (a real SSCD export
/// gives D = 512). Descriptors are L2-normalized by the reader, so an export that does not normalize works too.
/// </summary>
/// <param name="Model"><c>model.onnx</c>.</param>
/// <param name="OutputName">The descriptor output's name.</param>
/// <param name="PreprocessorConfigPath"><c>preprocessor_config.json</c>, or null (then SSCD's: 288 px shortest edge, ImageNet normalization).</param>
/// <param name="ConfigPath"><c>config.json</c> (threshold and calibration), or null (then SSCD's customary threshold).</param>
public sealed record CopyDetectorComponents(OnnxComponent Model, string OutputName, string? PreprocessorConfigPath, string? ConfigPath);
