namespace Nudge.Engine.Models;

/// <summary>
/// The optional <c>embedder/</c> folder: a CLIP-like dual encoder used by the filters and the nudge
/// (vision and text towers with projection, the image preprocessing config and, when present, the
/// text tower's final layer norm and projection weights).
/// </summary>
/// <param name="Vision"><c>vision_model.onnx</c>: <c>pixel_values</c> → <c>image_embeds</c>.</param>
/// <param name="Text"><c>text_model.onnx</c>: <c>input_ids</c> → <c>text_embeds</c>.</param>
/// <param name="PreprocessorConfigPath"><c>preprocessor_config.json</c>.</param>
/// <param name="TextProjectionPath"><c>text_projection.bin</c>, or null when the folder has none.</param>
public sealed record EmbedderComponents(OnnxComponent Vision, OnnxComponent Text, string PreprocessorConfigPath, string? TextProjectionPath);
