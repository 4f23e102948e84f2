using Nudge.Engine.Imaging;
using Nudge.Mitigation.Moderation;

namespace Nudge.Mitigation.Tests.Moderation;

[Collection(TinyModelCollection.Name)]
public sealed class UploadModeratorTests(TinyModel tiny)
{
    private UploadModerator Moderator(ModerationOptions? o = null) => new(tiny.Embedder, tiny.Undesired, o, tiny.CopyDetector, tiny.MemorizedIndex);

    [Fact]
    public void A_memorized_training_image_is_blocked_naming_its_entry()
    {
        var mem = tiny.Memorized[2];
        var r = Moderator().Moderate("mem.png", File.ReadAllBytes(mem.Path));
        Assert.Equal(ModerationVerdict.Block, r.Verdict);
        Assert.Equal(mem.Id, r.Matches[0].EntryId);
    }

    [Fact]
    public void An_ordinary_toy_scene_is_not_blocked()
    {
        var png = tiny.Pipeline.Generate(new Nudge.Engine.Generation.GenerationRequest { Prompt = "a small green square on a plain white background", Seed = 1 }).Images[0].Png;
        Assert.NotEqual(ModerationVerdict.Block, Moderator().Moderate("scene.png", png).Verdict);
    }

    public static TheoryData<string, byte[]> Malformed()
    {
        var png = ImageCodec.EncodePng(new byte[16 * 16 * 3], 16, 16);
        return new TheoryData<string, byte[]>
        {
            { "empty", [] },
            { "text", "hello, I am not an image"u8.ToArray() },
            { "truncated", png[..(png.Length / 2)] },
            { "header only", png[..16] },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_input_is_judged_invalid_with_a_reason(string name, byte[] bytes)
    {
        var r = Moderator().Moderate(name, bytes);
        Assert.Equal(ModerationVerdict.Invalid, r.Verdict);
        Assert.False(string.IsNullOrWhiteSpace(r.Reason));
    }

    [Fact]
    public void Oversized_input_is_invalid_by_bytes_and_by_pixels()
    {
        var png = ImageCodec.EncodePng(new byte[64 * 64 * 3], 64, 64);
        Assert.Contains("bytes", Moderator(new ModerationOptions { MaxBytes = 10 }).Moderate("big", png).Reason);
        Assert.Contains("pixels", Moderator(new ModerationOptions { MaxPixels = 100 }).Moderate("wide", png).Reason);
    }
}
