using Nudge.Evaluation.Judges;
using Nudge.Evaluation.ToyWorld;
using Nudge.Mitigation.Embedding;

namespace Nudge.Evaluation.Tests.Judges;

public sealed class SubjectOracleTests
{
    [Fact]
    public void Every_memorized_training_image_shows_its_captions_subject()
    {
        foreach (var m in ModelFolder.Memorized.Value)
        {
            var (colour, shape) = ToyPalette.Subject(m.Caption)!.Value;
            var (c, cs, v) = SubjectOracle.Judge(m.Image, colour, shape);
            Assert.True(c && cs, $"{m.Id}: saw {v.Shape} (IoU {v.Overlap:F2}, area {v.Area}) for {colour} {shape}");
        }
    }

    [Fact]
    public void Every_sibling_shows_the_subject_of_its_memorized_image()
    {
        foreach (var m in ModelFolder.Memorized.Value)
        {
            var (colour, shape) = ToyPalette.Subject(m.Caption)!.Value;
            foreach (var sibling in ModelFolder.Siblings.Value.ById[m.Id])
            {
                var (c, cs, v) = SubjectOracle.Judge(sibling, colour, shape);
                Assert.True(c && cs, $"{m.Id} sibling: saw {v.Shape} (IoU {v.Overlap:F2}) for {colour} {shape}");
            }
        }
    }

    [Fact]
    public void A_drawn_shape_is_named_by_its_template_and_a_missing_colour_is_not_found()
    {
        foreach (var shape in ToyShapes.Names)
        {
            var image = Draw(shape, "purple", background: "yellow", r: 17, angle: 0.1);
            var v = SubjectOracle.Examine(image, "purple");
            Assert.True(v.ColourFound);
            Assert.Equal(shape, v.Shape);
            Assert.False(SubjectOracle.Examine(image, "green").ColourFound);
        }
    }

    [Theory]
    [InlineData("the vermeer painting of a red circle", "red", "circle")]
    [InlineData("a small green square on a striped white background", "green", "square")]
    [InlineData("a large yellow star at the top left on a checkered purple background", "yellow", "star")]
    public void The_subject_is_the_colour_and_shape_the_prompt_names(string prompt, string colour, string shape) =>
        Assert.Equal((colour, shape), ToyPalette.Subject(prompt));

    [Fact]
    public void A_prompt_without_a_toy_subject_has_none() => Assert.Null(ToyPalette.Subject("a photograph of a cat"));

    private static RgbImage Draw(string shape, string colour, string background, double r, double angle)
    {
        var fg = ToyPalette.Colours[ToyPalette.IndexOf(colour)];
        var bg = ToyPalette.Colours[ToyPalette.IndexOf(background)];
        var rgb = new byte[64 * 64 * 3];
        for (int y = 0; y < 64; y++)
        {
            for (int x = 0; x < 64; x++)
            {
                var c = ToyShapes.Contains(shape, x, y, 31.0, 33.0, r, angle) ? fg : bg;
                int i = 3 * ((y * 64) + x);
                (rgb[i], rgb[i + 1], rgb[i + 2]) = (c.R, c.G, c.B);
            }
        }

        return new RgbImage(rgb, 64, 64);
    }
}
