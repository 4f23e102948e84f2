using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure;
using Nudge.Storage.Local;

namespace Nudge.Storage.Tests;

/// <summary>The object store contract over a local folder, plus what is particular to files on disk.</summary>
public sealed class LocalFolderObjectStoreTests : ObjectStoreContract
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "nudge-store-tests", Guid.NewGuid().ToString("N"));

    public override Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task Objects_are_plain_files_under_their_container_folder_and_state_stays_under_dot_nudge()
    {
        string container = NewContainer();

        await Store.WriteAsync(container, "runs/7/image.png", Bytes("pixels"), "image/png");

        Assert.Equal("pixels", File.ReadAllText(Path.Combine(_root, container, "runs", "7", "image.png")));
        Assert.Equal([container, ".nudge"], Directory.GetDirectories(_root).Select(Path.GetFileName).Order().Reverse());
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, ".nudge", "tmp")));
    }

    [Fact]
    public async Task A_file_put_into_a_container_folder_by_hand_is_an_object_with_a_stable_etag()
    {
        string container = NewContainer();
        Directory.CreateDirectory(Path.Combine(_root, container, "uploads"));
        File.WriteAllText(Path.Combine(_root, container, "uploads", "dropped.jpg"), "by hand");

        StoredObject read = await Store.ReadAsync(container, "uploads/dropped.jpg");
        ObjectProperties listed = Assert.Single(await ListAsync(container, null));
        ObjectProperties fromOtherStore = await (await CreateStoreAsync()).GetPropertiesAsync(container, "uploads/dropped.jpg");

        Assert.Equal("by hand", Text(read));
        Assert.Equal(StorageNames.DefaultContentType, read.Properties.ContentType);
        Assert.Equal(read.ETag, listed.ETag);
        Assert.Equal(read.ETag, fromOtherStore.ETag);
        Assert.False(await Store.WriteIfAbsentAsync(container, "uploads/dropped.jpg", Bytes("mine")));
        await Store.WriteAsync(container, "uploads/dropped.jpg", Bytes("replaced"), ifMatch: read.ETag);
        Assert.Equal("replaced", Text(await Store.ReadAsync(container, "uploads/dropped.jpg")));
    }

    [Fact]
    public async Task A_file_edited_by_hand_gets_a_new_etag()
    {
        string container = NewContainer();
        ETag written = await Store.WriteAsync(container, "notes.txt", Bytes("original"));

        string path = Path.Combine(_root, container, "notes.txt");
        File.WriteAllText(path, "edited!!");
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));

        StoredObject read = await Store.ReadAsync(container, "notes.txt");
        Assert.Equal("edited!!", Text(read));
        Assert.NotEqual(written, read.ETag);
        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.WriteAsync(container, "notes.txt", Bytes("x"), ifMatch: written));
    }

    [Fact]
    public async Task A_writer_that_died_after_renaming_its_data_is_rolled_forward_by_the_next_reader()
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "manifest.json", Bytes("old"), metadata: new Dictionary<string, string> { ["v"] = "1" });
        var layout = new LocalFolderLayout(_root);

        // The dead writer staged its sidecar and renamed its data into place, but never promoted the sidecar.
        byte[] newContent = Encoding.UTF8.GetBytes("new content");
        string dataPath = layout.DataPath(container, "manifest.json");
        File.WriteAllBytes(dataPath, newContent);
        WritePendingSidecar(layout, container, "manifest.json", newContent, dataPath, "0xDEAD", new() { ["v"] = "2" });

        StoredObject read = await Store.ReadAsync(container, "manifest.json");

        Assert.Equal("new content", Text(read));
        Assert.Equal(new ETag("0xDEAD"), read.ETag);
        Assert.Equal("2", read.Metadata["v"]);
        Assert.False(File.Exists(layout.PendingSidecarPath(container, "manifest.json")));
    }

    [Fact]
    public async Task A_writer_that_died_before_renaming_its_data_is_rolled_back_by_the_next_writer()
    {
        string container = NewContainer();
        ETag old = await Store.WriteAsync(container, "manifest.json", Bytes("old"));
        var layout = new LocalFolderLayout(_root);
        string dataPath = layout.DataPath(container, "manifest.json");
        WritePendingSidecar(layout, container, "manifest.json", Encoding.UTF8.GetBytes("never landed"), dataPath, "0xDEAD", []);

        StoredObject read = await Store.ReadAsync(container, "manifest.json");
        ETag next = await Store.WriteAsync(container, "manifest.json", Bytes("next"), ifMatch: old);

        Assert.Equal("old", Text(read));
        Assert.Equal(old, read.ETag);
        Assert.NotEqual(old, next);
        Assert.False(File.Exists(layout.PendingSidecarPath(container, "manifest.json")));
    }

    [Fact]
    public async Task A_writer_waits_for_a_lock_held_elsewhere_and_times_out_with_the_lock_file_named()
    {
        string container = NewContainer();
        var layout = new LocalFolderLayout(_root);
        string lockPath = layout.LockPath(container, "busy.json");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        var store = new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = _root, LockTimeout = TimeSpan.FromMilliseconds(300) });

        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            var ex = await Assert.ThrowsAsync<TimeoutException>(() => store.WriteAsync(container, "busy.json", Bytes("x")));
            Assert.Contains(lockPath, ex.Message);
        }

        await store.WriteAsync(container, "busy.json", Bytes("x"));
        Assert.True(await store.ExistsAsync(container, "busy.json"));
    }

    [Fact]
    public void Options_without_a_root_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new LocalFolderObjectStore(new LocalFolderStoreOptions()));
        Assert.Throws<ArgumentException>(() => new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = _root, LockTimeout = TimeSpan.Zero }));
    }

    protected override Task<IObjectStore> CreateStoreAsync() =>
        Task.FromResult<IObjectStore>(new LocalFolderObjectStore(new LocalFolderStoreOptions { RootPath = _root }));

    private static void WritePendingSidecar(LocalFolderLayout layout, string container, string name, byte[] content, string dataPath, string etag, Dictionary<string, string> metadata)
    {
        var pending = new ObjectSidecar
        {
            ETag = etag,
            Length = content.Length,
            ContentMd5 = Convert.ToBase64String(MD5.HashData(content)),
            ContentType = "application/json",
            LastModified = DateTimeOffset.UtcNow,
            DataWriteTimeUtcTicks = File.GetLastWriteTimeUtc(dataPath).Ticks,
            Metadata = metadata,
        };
        File.WriteAllBytes(layout.PendingSidecarPath(container, name), JsonSerializer.SerializeToUtf8Bytes(pending, LocalStoreJsonContext.Default.ObjectSidecar));
    }
}
