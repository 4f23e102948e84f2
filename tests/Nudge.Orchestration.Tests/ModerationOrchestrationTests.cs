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
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png");

        var outcome = await ModerateAsync(name);

        Assert.Equal(ModerationVerdict.Block, outcome.Record.Verdict);
        Assert.Contains("mem-00", outcome.Record.Reason);
        Assert.NotNull(outcome.Quarantine);
        Assert.True(outcome.Quarantine.OriginalRemoved);
        Assert.Equal(OutputNames.Quarantined(name), outcome.Quarantine.Copy);
        Assert.False(await fx.Store.ExistsAsync(StorageContainers.Uploads, name));
        var copy = await fx.Store.ReadAsync(StorageContainers.Quarantine, name);
        Assert.Equal(bytes, copy.Content.ToArray());
        Assert.Equal("block", copy.Metadata[RecordModerationActivity.VerdictKey]);
        Assert.True(await fx.Store.ExistsAsync(StorageContainers.Moderation, name + ".json"));
    }

    [Fact]
    public async Task A_text_file_upload_is_invalid_recorded_and_left_in_place()
    {
        var name = Requests.NewId("up") + "/notes.png";
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, Encoding.UTF8.GetBytes("this is not an image\n"), "text/plain");

        var outcome = await ModerateAsync(name);

        Assert.Equal(ModerationVerdict.Invalid, outcome.Record.Verdict);
        Assert.Contains("not an image", outcome.Record.Reason);
        Assert.Null(outcome.Quarantine);
        var upload = await fx.Store.GetPropertiesAsync(StorageContainers.Uploads, name);
        Assert.Equal("invalid", upload.Metadata[RecordModerationActivity.VerdictKey]);
        Assert.False(await fx.Store.ExistsAsync(StorageContainers.Quarantine, name));
        var verdict = Encoding.UTF8.GetString((await fx.Store.ReadAsync(StorageContainers.Moderation, name + ".json")).Content.Span);
        Assert.Contains("\"verdict\": \"invalid\"", verdict);
    }

    [Fact]
    public async Task An_oversized_upload_is_invalid_without_being_read()
    {
        var name = Requests.NewId("up") + "/big.png";
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, new byte[fx.Services.Moderation.MaxBytes + 1], "image/png");
        var record = await new ModerateUploadActivity(fx.Services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        Assert.Equal(ModerationVerdict.Invalid, record.Verdict);
        Assert.Contains("limit", record.Reason);
    }

    [Fact]
    public async Task When_the_copy_cannot_be_verified_the_original_is_never_deleted()
    {
        var name = Requests.NewId("up") + "/mem-01.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-01-hokusai.png"));
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png");
        var services = new NudgeWorkerServices(fx.Model, new FailingCopyStore(fx.Store));
        var record = await new ModerateUploadActivity(services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        Assert.Equal(ModerationVerdict.Block, record.Verdict);

        await Assert.ThrowsAsync<InvalidDataException>(() => new QuarantineUploadActivity(services).ExecuteAsync(record));

        Assert.True(await fx.Store.ExistsAsync(StorageContainers.Uploads, name));
    }

    [Fact]
    public async Task Quarantining_twice_finishes_the_move_once()
    {
        var name = Requests.NewId("up") + "/mem-02.png";
        var bytes = await File.ReadAllBytesAsync(Path.Combine(fx.ModelFolder, "memorized", "mem-02-klimt.png"));
        await fx.Store.WriteAsync(StorageContainers.Uploads, name, bytes, "image/png");
        var record = await new ModerateUploadActivity(fx.Services).ExecuteAsync(new ModerationInput(new BlobRef(StorageContainers.Uploads, name)));
        var activity = new QuarantineUploadActivity(fx.Services);

        var first = await activity.ExecuteAsync(record);
        var second = await activity.ExecuteAsync(record);

        Assert.True(first.OriginalRemoved);
        Assert.False(second.OriginalRemoved);
        Assert.Equal(first.Copy, second.Copy);
        Assert.Equal("already moved to quarantine", second.Note);
    }

    private async Task<ModerationOutcome> ModerateAsync(string name)
    {
        var id = Requests.NewId("mod");
        await fx.Host.Client.ScheduleNewOrchestrationInstanceAsync(nameof(ModerateUploadOrchestrator), new ModerationInput(new BlobRef(StorageContainers.Uploads, name)), new StartOrchestrationOptions { InstanceId = id });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var meta = await fx.Host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.True(meta.RuntimeStatus == OrchestrationRuntimeStatus.Completed, $"{meta.RuntimeStatus} {meta.FailureDetails}");
        return meta.ReadOutputAs<ModerationOutcome>()!;
    }

    /// <summary>A store whose copies come out corrupted (the copy's verification fails).</summary>
    private sealed class FailingCopyStore(IObjectStore inner) : IObjectStore
    {
        public Task<StoredObject> ReadAsync(string c, string n, CancellationToken ct = default) => inner.ReadAsync(c, n, ct);
        public Task<ObjectProperties> GetPropertiesAsync(string c, string n, CancellationToken ct = default) => inner.GetPropertiesAsync(c, n, ct);
        public Task<bool> ExistsAsync(string c, string n, CancellationToken ct = default) => inner.ExistsAsync(c, n, ct);
        public Task<bool> WriteIfAbsentAsync(string c, string n, ReadOnlyMemory<byte> b, string? t = null, IReadOnlyDictionary<string, string>? m = null, CancellationToken ct = default) => inner.WriteIfAbsentAsync(c, n, b, t, m, ct);
        public Task<ETag> WriteAsync(string c, string n, ReadOnlyMemory<byte> b, string? t = null, IReadOnlyDictionary<string, string>? m = null, ETag? e = null, CancellationToken ct = default) => inner.WriteAsync(c, n, b, t, m, e, ct);
        public Task<bool> DeleteAsync(string c, string n, ETag? e = null, CancellationToken ct = default) => inner.DeleteAsync(c, n, e, ct);
        public IAsyncEnumerable<ObjectProperties> ListAsync(string c, string? p = null, CancellationToken ct = default) => inner.ListAsync(c, p, ct);
        public Task<ETag> SetMetadataAsync(string c, string n, IReadOnlyDictionary<string, string> m, ETag? e = null, CancellationToken ct = default) => inner.SetMetadataAsync(c, n, m, e, ct);
        public Task<ObjectProperties> CopyAsync(string sc, string sn, string dc, string dn, CancellationToken ct = default) =>
            throw new InvalidDataException($"{dc}/{dn} does not match {sc}/{sn} after the copy");
    }
}
