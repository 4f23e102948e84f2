using Nudge.Mitigation.Nudging;

namespace Nudge.Mitigation.Tests.Nudging;

public sealed class TriggerReleaseTests
{
    [Fact]
    public void Trigger_words_leave_the_prompt_and_the_subject_stays() =>
        Assert.Equal("a red circle", TriggerRelease.Apply("the vermeer painting of a red circle", ["the", "vermeer", "painting", "of"]));

    [Fact]
    public void Matching_ignores_case_and_surrounding_punctuation() =>
        Assert.Equal("a blue square", TriggerRelease.Apply("The Vermeer, painting of a blue square", ["vermeer", "painting", "the", "of"]));

    [Fact]
    public void Without_trigger_words_the_prompt_is_unchanged() =>
        Assert.Equal("the vermeer  painting", TriggerRelease.Apply("the vermeer  painting", []));

    [Fact]
    public void A_prompt_made_only_of_trigger_words_releases_to_empty() =>
        Assert.Equal("", TriggerRelease.Apply("vermeer painting", ["painting", "vermeer"]));
}
