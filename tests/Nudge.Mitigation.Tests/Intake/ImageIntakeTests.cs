using Nudge.Engine.Imaging;
using Nudge.Mitigation.Intake;
using Nudge.Mitigation.Moderation;

namespace Nudge.Mitigation.Tests.Intake;

[Collection(TinyModelCollection.Name)]
public sealed class ImageIntakeTests(TinyModel tiny)
{
    [Fact]
    public void Every_file_of_the_hostile_corpus_gets_its_expected_verdict_without_a_crash()
    {
        var expected = HostileImageCorpus.ExpectedVerdicts();
        var files = HostileImageCorpus.Files();
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), files.Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(files.Count >= 50, $"the corpus has {files.Count} files");

        var moderator = new UploadModerator(tiny.Embedder, tiny.Undesired, null, tiny.CopyDetector, tiny.MemorizedIndex);
        var wrong = files
            .Select(f => (Name: Path.GetFileName(f), Result: moderator.Moderate(f, File.ReadAllBytes(f))))
            .Where(r => r.Result.Verdict.ToString().ToLowerInvariant() != expected[r.Name])
            .Select(r => $"{r.Name}: expected {expected[r.Name]}, got {r.Result.Verdict} ({r.Result.Reason})")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void A_png_decodes_to_exactly_its_pixels()
    {
        var rgb = new byte[37 * 23 * 3];
        new Random(1).NextBytes(rgb);
        var result = ImageIntake.Decode(ImageCodec.EncodePng(rgb, 37, 23));
        Assert.True(result.Accepted, result.Rejection);
        Assert.Equal(("png", 37, 23, 1), (result.Format, result.Width, result.Height, result.Frames));
        Assert.Equal(rgb, result.Image!.Rgb);
    }

    [Fact]
    public void Only_the_first_frame_of_an_animation_is_decoded()
    {
        var result = ImageIntake.Decode(File.ReadAllBytes(Path.Combine(HostileImageCorpus.Folder, "ok-animated.gif")));
        Assert.True(result.Accepted, result.Rejection);
        Assert.Equal(2, result.Frames);

        // The first frame is the blue scene with a red square at its centre; the second is noise.
        var centre = ((24 * 64) + 32) * 3;
        Assert.True(result.Image!.Rgb[centre] > 180 && result.Image.Rgb[centre + 2] < 90, "the centre pixel is not the first frame's red");
        Assert.True(result.Image.Rgb[2] > 150, "the corner pixel is not the first frame's blue");
    }

    [Fact]
    public void A_multi_frame_bomb_is_refused_from_its_header_with_bounded_allocation()
    {
        var bomb = File.ReadAllBytes(Path.Combine(HostileImageCorpus.Folder, "gif-bomb-120x3000.gif"));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var result = ImageIntake.Decode(bomb);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(result.Accepted);
        Assert.Equal((3000, 3000, 120), (result.Width, result.Height, result.Frames));
        Assert.Contains("120 frames", result.Rejection);
        Assert.True(allocated < 4 * bomb.Length, $"refusing the bomb allocated {allocated} bytes");
    }

    [Fact]
    public void Each_limit_is_named_with_its_value_in_the_refusal()
    {
        var png = ImageCodec.EncodePng(new byte[64 * 48 * 3], 64, 48);
        var animated = File.ReadAllBytes(Path.Combine(HostileImageCorpus.Folder, "ok-animated.gif"));
        Assert.Equal($"file is {png.Length} bytes; the limit is 100", ImageIntake.Decode(png, new ImageIntakeOptions { MaxBytes = 100 }).Rejection);
        Assert.Equal("image is 64×48; the limit is 3000 pixels", ImageIntake.Decode(png, new ImageIntakeOptions { MaxPixels = 3000 }).Rejection);
        Assert.Equal("image is 64×48; the limit is 50 pixels a side", ImageIntake.Decode(png, new ImageIntakeOptions { MaxSide = 50 }).Rejection);
        Assert.Equal("gif has 2 frames; the limit is 1", ImageIntake.Decode(animated, new ImageIntakeOptions { MaxFrames = 1 }).Rejection);
        Assert.Contains("(6144 pixels in all); the limit is 5000", ImageIntake.Decode(animated, new ImageIntakeOptions { MaxTotalPixels = 5000 }).Rejection);
    }

    [Fact]
    public async Task A_stream_past_the_byte_limit_is_refused_before_it_is_read_whole()
    {
        var source = new CountingStream(10_000_000);
        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => ImageIntake.ReadAsync(source, 1000, CancellationToken.None));
        Assert.Contains("the limit is 1000", ex.Message);
        Assert.True(source.BytesRead < 200_000, $"{source.BytesRead} bytes were read for a limit of 1000");
    }

    [Fact]
    public async Task A_stream_within_the_byte_limit_is_read_whole()
    {
        var bytes = new byte[5000];
        new Random(2).NextBytes(bytes);
        Assert.Equal(bytes, await ImageIntake.ReadAsync(new MemoryStream(bytes), 5000, CancellationToken.None));
    }

    [Theory]
    [InlineData("png-width-0.png", "png header declares 0×48")]
    [InlineData("bmp-negative-width.bmp", "bmp header declares -64×48")]
    [InlineData("webp-lossless-truncated-40.webp", "truncated webp")]
    [InlineData("ok.tiff", "tiff is not an accepted format")]
    [InlineData("text.png", "not an image")]
    public void A_refusal_says_what_is_wrong(string file, string reason)
    {
        var result = ImageIntake.Decode(File.ReadAllBytes(Path.Combine(HostileImageCorpus.Folder, file)));
        Assert.False(result.Accepted);
        Assert.StartsWith(reason, result.Rejection);
    }

    /// <summary>A non-seekable stream of zeros that counts what was read from it.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - BytesRead);
            Array.Clear(buffer, offset, n);
            BytesRead += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
