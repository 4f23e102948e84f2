using System.Diagnostics;
using System.Security.Cryptography;
using Nudge.Mitigation.Intake;
using Nudge.Mitigation.Moderation;
using Xunit.Abstractions;

namespace Nudge.Mitigation.Tests.Intake;

[Collection(TinyModelCollection.Name)]
public sealed class ImageIntakeFuzzTests(TinyModel tiny, ITestOutputHelper output)
{
    // NUDGE_FUZZ_INPUTS raises the count for a longer hunt; CI runs the default.
    private static readonly int Inputs = int.TryParse(Environment.GetEnvironmentVariable("NUDGE_FUZZ_INPUTS"), out var n) ? n : 6000;

    [Fact]
    public void Mutated_images_of_every_accepted_format_get_one_of_the_four_verdicts_with_bounded_memory()
    {
        var seeds = HostileImageCorpus.ValidSeeds().Select(File.ReadAllBytes).ToList();
        Assert.Equal(ImageIntake.AcceptedFormats.Order(), seeds.Select(s => ImageIntake.Sniff(s)).Distinct().Order());

        var options = new ModerationOptions();
        var moderator = new UploadModerator(tiny.Embedder, tiny.Undesired, options, tiny.CopyDetector, tiny.MemorizedIndex);

        // What one intake may allocate: the RGBA frame and the RGB copy at the pixel limit, plus slack.
        long allocationBound = (7 * options.Intake.MaxPixels) + (4L << 20);
        var fuzzer = new IntakeFuzzer(seed: 20261204);
        var verdicts = new Dictionary<ModerationVerdict, int>();
        var crashers = new List<string>();
        long largestAllocation = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Inputs; i++)
        {
            var input = fuzzer.Mutate(seeds[i % seeds.Count]);
            try
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                var intake = ImageIntake.Decode(input, options.Intake);
                largestAllocation = Math.Max(largestAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
                Assert.True(intake.Accepted || !string.IsNullOrWhiteSpace(intake.Rejection));

                var result = moderator.Moderate($"fuzz-{i}", input);
                Assert.True(Enum.IsDefined(result.Verdict));
                Assert.False(string.IsNullOrWhiteSpace(result.Reason));
                Assert.Equal(intake.Accepted, result.Verdict != ModerationVerdict.Invalid);
                verdicts[result.Verdict] = verdicts.GetValueOrDefault(result.Verdict) + 1;
            }
            catch (Exception ex)
            {
                crashers.Add($"{Save(input)}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        long peak = Process.GetCurrentProcess().PeakWorkingSet64;
        output.WriteLine($"{Inputs} inputs in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", verdicts.OrderBy(v => v.Key).Select(v => $"{v.Key} {v.Value}"))}; " +
            $"largest intake allocation {largestAllocation >> 20} MiB; test host peak working set {peak >> 20} MiB");
        Assert.True(crashers.Count == 0, $"{crashers.Count} inputs threw (saved for the regression corpus):\n" + string.Join("\n", crashers.Take(20)));
        Assert.True(largestAllocation <= allocationBound, $"one intake allocated {largestAllocation} bytes; the bound is {allocationBound}");
        Assert.True(peak < 2L << 30, $"the test host peaked at {peak >> 20} MiB");
        Assert.True(verdicts.GetValueOrDefault(ModerationVerdict.Invalid) > Inputs / 10 && verdicts.GetValueOrDefault(ModerationVerdict.Allow) > Inputs / 10,
            "the mutations should give both refused and accepted inputs; otherwise the fuzzer explores nothing");
    }

    private static string Save(byte[] input)
    {
        var folder = Path.Combine(Path.GetTempPath(), "nudge-fuzz-crashers");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(input))[..16] + ".bin");
        File.WriteAllBytes(path, input);
        return path;
    }
}
