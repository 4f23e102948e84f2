using System.Text.Json;
using Microsoft.DurableTask;
using Nudge.Testing;

namespace Nudge.Orchestration.Tests;

/// <summary>Waiting for the device is bounded, so no activity queues into the host's function timeout.</summary>
public sealed class GenerationSlotsTests
{
    [Fact]
    public async Task A_step_that_cannot_get_a_slot_in_time_fails_as_busy_and_the_next_one_runs()
    {
        var slots = new GenerationSlots(1, TimeSpan.FromMilliseconds(200));
        using var started = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var holder = slots.RunAsync(() =>
        {
            started.Set();
            return release.Wait(TimeSpan.FromSeconds(30));
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(30)), "the first run never started");

        var busy = await Assert.ThrowsAsync<GenerationSlotsBusyException>(() => slots.RunAsync(() => 1));
        Assert.Equal(1, busy.Slots);
        Assert.Contains("retried later", busy.Message);

        release.Set();
        Assert.True(await holder);
        Assert.Equal(2, await slots.RunAsync(() => 2));
    }

    [Fact]
    public void A_busy_step_is_not_a_permanent_failure_so_the_retry_policy_retries_it()
    {
        var failure = new TaskFailureDetails(typeof(GenerationSlotsBusyException).FullName!, "busy", null, null, null);
        Assert.False(NudgeRetry.IsPermanent(failure));
    }

    [Fact]
    public void The_default_wait_leaves_most_of_the_function_timeout_to_the_step()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "host.json")));
        var timeout = TimeSpan.Parse(host.RootElement.GetProperty("functionTimeout").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(GenerationSlots.DefaultWaitLimit * 2 <= timeout,
            $"slot wait {GenerationSlots.DefaultWaitLimit} against functionTimeout {timeout}");
        Assert.Equal(GenerationSlots.DefaultWaitLimit, new GenerationSlots().WaitLimit);
    }

    [Fact]
    public void A_wait_limit_must_be_positive_or_infinite()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationSlots(1, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GenerationSlots(1, TimeSpan.FromSeconds(-5)));
        Assert.Equal(Timeout.InfiniteTimeSpan, new GenerationSlots(1, Timeout.InfiniteTimeSpan).WaitLimit);
    }
}
