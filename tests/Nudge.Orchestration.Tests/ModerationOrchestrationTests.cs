using System.Text;
using Azure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Nudge.Mitigation.Moderation;
using Nudge.Orchestration.Activities;
using Nudge.Orchestration.Orchestrators;
using Nudge.Storage;

namespace Nudge.Orchestration.Tests;

[Collection(WorkerCollection.Name)]
public sealed class ModerationOrchestrationTests(WorkerFixture fx)
{
    [Fact]
    public async Task A_memorized_image_upload_is_blocked_copied_to_quarantine_and_only_then_removed()
    {
        var name = Requests.NewId("up") + "/mem-00.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-00-vermeer.png"));
        var etag = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png")).ToString();

        var outcome = await ModerateAsync(name, etag);

        Assert.Equal(ModerationVerdict.Block, outcome.Record.Verdict);
        Assert.Contains("mem-00", outcome.Record.Reason);
        Assert.NotNull(outcome.Quarantine);
        Assert.True(outcome.Quarantine.OriginalRemoved);
        Assert.Equal(OutputNames.Quarantined(name, etag), outcome.Quarantine.Copy);
        Assert.False(await fx.Store.ExistsAsync(StorageContainers.Uploads, name));
        var copy = await fx.Store.ReadAsync(outcome.Quarantine.Copy!.Container, outcome.Quarantine.Copy.Name);
        Assert.Equal(bytes, copy.Content.ToArray());
        Assert.Equal(OutputNames.Verdict(name, etag), outcome.VerdictBlob);
        Assert.Contains("\"verdict\": \"block\"", await TextAsync(outcome.VerdictBlob));
    }

    [Fact]
    public async Task A_text_file_upload_is_invalid_recorded_and_moved_out_of_uploads()
    {
        var name = Requests.NewId("up") + "/notes.png";
        var etag = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, Encoding.UTF8.GetBytes("this is not an image\n"), "text/plain")).ToString();

        var outcome = await ModerateAsync(name, etag);

        Assert.Equal(ModerationVerdict.Invalid, outcome.Record.Verdict);
        Assert.Contains("not an image", outcome.Record.Reason);
        Assert.True(outcome.Quarantine?.OriginalRemoved, outcome.Quarantine?.Note);
        Assert.False(await fx.Store.ExistsAsync(StorageContainers.Uploads, name));
        Assert.True(await fx.Store.ExistsAsync(StorageContainers.Quarantine, OutputNames.Quarantined(name, etag).Name));
        Assert.Contains("\"verdict\": \"invalid\"", await TextAsync(outcome.VerdictBlob));
    }

    [Fact]
    public async Task An_upload_carrying_8_KB_of_its_own_metadata_is_judged_and_quarantined_without_touching_it()
    {
        var name = Requests.NewId("up") + "/tagged.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-03-monet.png"));
        var metadata = Enumerable.Range(0, 8).ToDictionary(i => $"k{i}", _ => new string('x', 1000));
        var etag = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png", metadata)).ToString();

        var outcome = await ModerateAsync(name, etag);

        Assert.Equal(ModerationVerdict.Block, outcome.Record.Verdict);
        Assert.True(outcome.Quarantine?.OriginalRemoved, outcome.Quarantine?.Note);
        var copy = await fx.Store.GetPropertiesAsync(StorageContainers.Quarantine, OutputNames.Quarantined(name, etag).Name);
        Assert.Equal(metadata.Keys.Order(), copy.Metadata.Keys.Order());
    }

    [Fact]
    public async Task Two_versions_of_one_name_keep_two_verdicts_and_two_quarantined_copies()
    {
        var name = Requests.NewId("up") + "/same-name.png";
        var first = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-04-kahlo.png"));
        var second = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-05-dali.png"));
        var etag1 = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, first, "image/png")).ToString();
        var outcome1 = await ModerateAsync(name, etag1);
        var etag2 = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, second, "image/png")).ToString();
        var outcome2 = await ModerateAsync(name, etag2);

        // A late, repeated run for the first version writes nothing over either verdict.
        await TestActivities.Create<RecordModerationActivity>(fx.Services).ExecuteAsync(outcome1.Record with { Verdict = ModerationVerdict.Allow, Reason = "late" });

        Assert.NotEqual(outcome1.VerdictBlob, outcome2.VerdictBlob);
        Assert.Contains("mem-04", await TextAsync(outcome1.VerdictBlob));
        Assert.Contains("mem-05", await TextAsync(outcome2.VerdictBlob));
        Assert.Equal(first, (await fx.Store.ReadAsync(StorageContainers.Quarantine, OutputNames.Quarantined(name, etag1).Name)).Content.ToArray());
        Assert.Equal(second, (await fx.Store.ReadAsync(StorageContainers.Quarantine, OutputNames.Quarantined(name, etag2).Name)).Content.ToArray());
    }

    [Fact]
    public async Task An_upload_whose_name_cannot_be_addressed_gets_a_recorded_invalid_verdict()
    {
        var name = Requests.NewId("up") + "/what?.png";
        var outcome = await ModerateAsync(name, "\"0x8DD1\"");

        Assert.Equal(ModerationVerdict.Invalid, outcome.Record.Verdict);
        Assert.StartsWith("unusable name", outcome.Record.Reason);
        Assert.Contains("\"verdict\": \"invalid\"", await TextAsync(outcome.VerdictBlob));
        Assert.False(outcome.Quarantine?.OriginalRemoved);
    }

    [Fact]
    public async Task When_judging_keeps_failing_the_upload_is_recorded_invalid_and_quarantined()
    {
        var name = Requests.NewId("up") + "/unreadable.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-06-escher.png"));
        var etag = (await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png")).ToString();
        using var services = new NudgeWorkerServices(fx.Model, new FaultyStore(fx.Store, failUploadReads: true));
        await using var host = await Nudge.Orchestration.Hosting.InProcessDurableHost.StartAsync(services);

        var outcome = await ModerateAsync(host.Client, name, etag);

        Assert.Equal(ModerationVerdict.Invalid, outcome.Record.Verdict);
        Assert.StartsWith("could not be judged", outcome.Record.Reason);
        Assert.True(outcome.Quarantine?.OriginalRemoved, outcome.Quarantine?.Note);
        Assert.Equal(bytes, (await fx.Store.ReadAsync(StorageContainers.Quarantine, OutputNames.Quarantined(name, etag).Name)).Content.ToArray());
    }

    [Fact]
    public async Task An_oversized_upload_is_invalid_without_being_read()
    {
        var name = Requests.NewId("up") + "/big.png";
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, new byte[fx.Services.Moderation.MaxBytes + 1], "image/png");
        var record = await TestActivities.Create<ModerateUploadActivity>(fx.Services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        Assert.Equal(ModerationVerdict.Invalid, record.Verdict);
        Assert.Contains("limit", record.Reason);
    }

    [Fact]
    public async Task When_the_copy_cannot_be_verified_the_original_is_never_deleted()
    {
        var name = Requests.NewId("up") + "/mem-01.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-01-hokusai.png"));
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png");
        var services = new NudgeWorkerServices(fx.Model, new FaultyStore(fx.Store, failCopies: true));
        var record = await TestActivities.Create<ModerateUploadActivity>(services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        Assert.Equal(ModerationVerdict.Block, record.Verdict);

        await Assert.ThrowsAsync<InvalidDataException>(() => TestActivities.Create<QuarantineUploadActivity>(services).ExecuteAsync(record));

        Assert.True(await fx.Store.ExistsAsync(StorageContainers.Uploads, name));
    }

    [Fact]
    public async Task Quarantining_twice_finishes_the_move_once()
    {
        var name = Requests.NewId("up") + "/mem-02.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-02-klimt.png"));
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png");
        var record = await TestActivities.Create<ModerateUploadActivity>(fx.Services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        var activity = TestActivities.Create<QuarantineUploadActivity>(fx.Services);

        var first = await activity.ExecuteAsync(record);
        var second = await activity.ExecuteAsync(record);

        Assert.True(first.OriginalRemoved);
        Assert.False(second.OriginalRemoved);
        Assert.Equal(first.Copy, second.Copy);
        Assert.Equal("already moved to quarantine", second.Note);
    }

    private Task<ModerationOutcome> ModerateAsync(string name, string? etag = null) => ModerateAsync(fx.Host.Client, name, etag);

    private static async Task<ModerationOutcome> ModerateAsync(DurableTaskClient client, string name, string? etag)
    {
        var id = Requests.NewId("mod");
        await client.ScheduleNewOrchestrationInstanceAsync(nameof(ModerateUploadOrchestrator), new ModerationInput(new BlobRef(StorageContainers.Uploads, name), etag), new StartOrchestrationOptions { InstanceId = id });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var meta = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.True(meta.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{meta.RuntimeStatus} {meta.FailureDetails}");
        return meta.ReadOutputAs<ModerationOutcome>()!;
    }

    private async Task<string> TextAsync(BlobRef blob) => Encoding.UTF8.GetString((await fx.Store.ReadAsync(blob.Container, blob.Name)).Content.Span);

    /// <summary>A store that fails as told: reads of uploads (as an outage would), or copies (they come out corrupted).</summary>
    private sealed class FaultyStore(IObjectStore inner, bool failUploadReads = false, bool failCopies = false) : IObjectStore
    {
        public Task<StoredObject> ReadAsync(string c, string n, CancellationToken ct = default) =>
            failUploadReads && c == StorageContainers.Uploads ? throw new IOException("injected read failure") : inner.ReadAsync(c, n, ct);
        public Task<StoredObject> ReadAsync(string c, string n, long maxBytes, CancellationToken ct = default) =>
            failUploadReads && c == StorageContainers.Uploads ? throw new IOException("injected read failure") : inner.ReadAsync(c, n, maxBytes, ct);
        public Task<ObjectProperties> GetPropertiesAsync(string c, string n, CancellationToken ct = default) => inner.GetPropertiesAsync(c, n, ct);
        public Task<bool> ExistsAsync(string c, string n, CancellationToken ct = default) => inner.ExistsAsync(c, n, ct);
        public Task<bool> WriteIfAbsentAsync(string c, string n, ReadOnlyMemory<byte> b, string? t = null, IReadOnlyDictionary<string, string>? m = null, CancellationToken ct = default) => inner.WriteIfAbsentAsync(c, n, b, t, m, ct);
        public Task<ETag> WriteAsync(string c, string n, ReadOnlyMemory<byte> b, string? t = null, IReadOnlyDictionary<string, string>? m = null, ETag? e = null, CancellationToken ct = default) => inner.WriteAsync(c, n, b, t, m, e, ct);
        public Task<bool> DeleteAsync(string c, string n, ETag? e = null, CancellationToken ct = default) => inner.DeleteAsync(c, n, e, ct);
        public IAsyncEnumerable<ObjectProperties> ListAsync(string c, string? p = null, CancellationToken ct = default) => inner.ListAsync(c, p, ct);
        public Task<ETag> SetMetadataAsync(string c, string n, IReadOnlyDictionary<string, string> m, ETag? e = null, CancellationToken ct = default) => inner.SetMetadataAsync(c, n, m, e, ct);
        public Task<ObjectProperties> CopyAsync(string sc, string sn, string dc, string dn, CancellationToken ct = default) =>
            failCopies ? throw new InvalidDataException($"{dc}/{dn} does not match {sc}/{sn} after the copy") : inner.CopyAsync(sc, sn, dc, dn, ct);
    }
}
