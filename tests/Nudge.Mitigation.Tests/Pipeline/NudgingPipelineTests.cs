using Nudge.Engine.Generation;
using Nudge.Indexing;
using Nudge.Mitigation.Nudging;
using Nudge.Mitigation.Pipeline;

namespace Nudge.Mitigation.Tests.Pipeline;

[Collection(TinyModelCollection.Name)]
public sealed class NudgingPipelineTests(TinyModel tiny)
{
    private NudgingPipeline Guard(NudgePolicy? policy = null) =>
        new(tiny.Pipeline, tiny.Embedder, tiny.Undesired, null, policy ?? new NudgePolicy(), tiny.CopyDetector, tiny.MemorizedIndex);

    [Fact]
    public void A_clean_output_is_byte_identical_to_a_run_without_nudging()
    {
        var request = new GenerationRequest { Prompt = "a large yellow star on a checkered purple background", Seed = 4, Steps = 20, Count = 2 };
        var guarded = Guard().Generate(request);
        var plain = tiny.Pipeline.Generate(request);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(ImageOutcome.Clean, guarded.Images[i].Outcome);
            Assert.Empty(guarded.Images[i].Rounds);
            Assert.Equal(plain.Images[i].Png.ToArray(), guarded.Images[i].Image!.Png.ToArray());
        }
    }

    [Fact]
    public void A_memorized_caption_is_never_reported_clean_when_its_output_matches_the_training_image()
    {
        var mem = tiny.Memorized[0];
        var result = Guard().Generate(new GenerationRequest { Prompt = mem.Caption, Seed = 0, Steps = 20, Count = 4, GuidanceScale = TinyModel.OperatingGuidance });
        foreach (var g in result.Images)
        {
            if (g.Initial.NeedsNudge)
            {
                Assert.NotEqual(ImageOutcome.Clean, g.Outcome);
                Assert.NotEmpty(g.Rounds);
                Assert.Contains(mem.Id, g.Initial.UndesiredMatches.Select(m => m.EntryId));
                // Later rounds restart earlier.
                var steps = g.Rounds.Select(r => r.RestartStep).ToArray();
                Assert.True(steps.SequenceEqual(steps.OrderDescending()), string.Join(",", steps));
                if (g.Outcome == ImageOutcome.Nudged)
                {
                    Assert.False(g.Rounds[^1].Filters.NeedsNudge);
                    Assert.NotEqual(g.Unmodified.Png.ToArray(), g.Image!.Png.ToArray());
                }
            }
            else
            {
                Assert.Equal(ImageOutcome.Clean, g.Outcome);
            }
        }

        Assert.Contains(result.Images, g => g.Initial.NeedsNudge); // the tiny model memorizes: something must fire
    }

    [Fact]
    public void A_memorized_caption_is_nudged_in_the_sequence_space_toward_its_trigger_released_prompt()
    {
        var mem = tiny.Memorized[4];
        var g = Guard().Generate(new GenerationRequest { Prompt = mem.Caption, Seed = 2, Steps = 20, GuidanceScale = TinyModel.OperatingGuidance }).Images[0];
        Assert.True(g.Initial.NeedsNudge);
        var round = g.Rounds[0];
        Assert.Equal(NudgeSpaces.Sequence, round.Spaces);
        Assert.Equal(TriggerRelease.Apply(mem.Caption, mem.TriggerWords), round.ReleasedPrompt);
        Assert.DoesNotContain(mem.TriggerWords[1], round.ReleasedPrompt!);
        Assert.True(round.Sequence!.FinalPush < round.Sequence.InitialPush);
    }

    [Fact]
    public void An_undesired_entry_without_trigger_words_is_nudged_in_the_pooled_space()
    {
        // An embedder-space entry of a memorized image, as a user would add one, with its caption but no trigger words.
        var mem = tiny.Memorized[0];
        var entry = new IndexEntry
        {
            Id = "user-copy", Kind = IndexEntryKind.Image, Embedding = tiny.Embedder.EmbedImages([mem.Image])[0], Caption = mem.Caption, Source = "test",
        };
        var undesired = EmbeddingIndex.Create("undesired", [entry]);
        var guard = new NudgingPipeline(tiny.Pipeline, tiny.Embedder, undesired, null, new NudgePolicy());
        var g = guard.Generate(new GenerationRequest { Prompt = mem.Caption, Seed = 0, Steps = 20, GuidanceScale = TinyModel.OperatingGuidance }).Images[0];
        Assert.True(g.Initial.NeedsNudge);
        Assert.True(g.Rounds[0].Spaces.HasFlag(NudgeSpaces.Conditioning), g.Rounds[0].Spaces.ToString());
        Assert.Equal(mem.Caption, g.Rounds[0].ReleasedPrompt);
    }

    [Fact]
    public void With_nudging_off_a_triggered_output_is_withheld()
    {
        var mem = tiny.Memorized[1];
        var result = Guard(new NudgePolicy { NudgeEnabled = false }).Generate(new GenerationRequest { Prompt = mem.Caption, Seed = 0, Steps = 20, Count = 4, GuidanceScale = TinyModel.OperatingGuidance });
        var triggered = result.Images.Where(g => g.Initial.NeedsNudge).ToList();
        Assert.NotEmpty(triggered);
        Assert.All(triggered, g =>
        {
            Assert.Equal(ImageOutcome.Blocked, g.Outcome);
            Assert.Null(g.Image);
        });
    }

    [Fact]
    public void A_policy_file_with_an_unknown_field_is_rejected_by_name()
    {
        var path = Path.GetTempFileName();
        File.WriteAllText(path, """{ "undesired_threshold": 0.8, "nudge": { "betta": 3 } }""");
        var ex = Assert.Throws<InvalidDataException>(() => NudgePolicy.FromFile(path));
        Assert.Contains("betta", ex.Message);
        File.WriteAllText(path, """{ "filters": ["undesired", "vibes"] }""");
        ex = Assert.Throws<InvalidDataException>(() => NudgePolicy.FromFile(path));
        Assert.Contains("vibes", ex.Message);
        File.Delete(path);
    }
}
