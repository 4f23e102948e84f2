using System.Security.Cryptography;
using System.Text;
using Azure;

namespace Nudge.Storage.Tests;

/// <summary>
/// The behaviour every <see cref="IObjectStore"/> must have. Each implementation's test class derives from this
/// and supplies stores; every test gets its own container names, so runs never collide.
/// </summary>
public abstract class ObjectStoreContract : IAsyncLifetime
{
    private int _containerCount;

    /// <summary>A prefix unique to this test; every container the test uses starts with it.</summary>
    protected string ContainerPrefix { get; } = $"t{Guid.NewGuid():N}"[..16];

    /// <summary>The store under test.</summary>
    protected IObjectStore Store { get; private set; } = null!;

    public static TheoryData<string> InvalidObjectNames =>
    [
        "",
        "/absolute/path.png",
        "../escape.png",
        "a/../../escape.png",
        "a/./b.png",
        "..",
        "folder\\file.png",
        "a//b.png",
        "trailing/",
        "c:/windows/path.png",
        "bad\u0001char",
        "dot-ending./x",
    ];

    public static TheoryData<string> InvalidContainerNames => ["UPPER", "ab", "a--b", "-abc", "abc-", "with_underscore", "has space", ".nudge"];

    public virtual async Task InitializeAsync() => Store = await CreateStoreAsync();

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// A new store instance over the same backing storage as every other instance of this test, as a separate
    /// process would open it.
    /// </summary>
    protected abstract Task<IObjectStore> CreateStoreAsync();

    protected string NewContainer() => $"{ContainerPrefix}-{Interlocked.Increment(ref _containerCount)}";

    [Fact]
    public async Task Write_if_absent_creates_the_object_and_a_second_write_returns_false_without_overwriting()
    {
        string container = NewContainer();

        bool first = await Store.WriteIfAbsentAsync(container, "runs/1/image.png", Bytes("first"), "image/png");
        StoredObject afterFirst = await Store.ReadAsync(container, "runs/1/image.png");
        bool second = await Store.WriteIfAbsentAsync(container, "runs/1/image.png", Bytes("second"), "text/plain");
        StoredObject afterSecond = await Store.ReadAsync(container, "runs/1/image.png");

        Assert.True(first);
        Assert.False(second);
        Assert.Equal("first", Text(afterSecond));
        Assert.Equal("image/png", afterSecond.Properties.ContentType);
        Assert.Equal(afterFirst.ETag, afterSecond.ETag);
    }

    [Fact]
    public async Task Of_eight_concurrent_write_if_absent_writers_exactly_one_wins_and_its_content_stays()
    {
        string container = NewContainer();
        IObjectStore[] stores = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CreateStoreAsync()));
        using var start = new ManualResetEventSlim();

        Task<bool>[] writers = stores
            .Select((store, i) => Task.Run(() =>
            {
                start.Wait();
                return store.WriteIfAbsentAsync(container, "batch-7/result.json", Bytes($"writer {i}"));
            }))
            .ToArray();
        start.Set();
        bool[] created = await Task.WhenAll(writers);

        Assert.Equal(1, created.Count(c => c));
        int winner = Array.IndexOf(created, true);
        Assert.Equal($"writer {winner}", Text(await Store.ReadAsync(container, "batch-7/result.json")));
    }

    [Fact]
    public async Task Unconditional_write_creates_then_replaces_and_changes_the_etag()
    {
        string container = NewContainer();

        ETag created = await Store.WriteAsync(container, "state.json", Bytes("v1"));
        ETag replaced = await Store.WriteAsync(container, "state.json", Bytes("v2"));

        StoredObject read = await Store.ReadAsync(container, "state.json");
        Assert.NotEqual(created, replaced);
        Assert.Equal(replaced, read.ETag);
        Assert.Equal("v2", Text(read));
    }

    [Fact]
    public async Task Write_with_the_current_etag_replaces_the_object()
    {
        string container = NewContainer();
        ETag v1 = await Store.WriteAsync(container, "manifest.json", Bytes("v1"));

        ETag v2 = await Store.WriteAsync(container, "manifest.json", Bytes("v2"), "application/json", ifMatch: v1);

        StoredObject read = await Store.ReadAsync(container, "manifest.json");
        Assert.Equal(v2, read.ETag);
        Assert.Equal("v2", Text(read));
        Assert.Equal("application/json", read.Properties.ContentType);
    }

    [Fact]
    public async Task Write_with_a_stale_etag_throws_PreconditionFailed_and_keeps_the_newer_content()
    {
        string container = NewContainer();
        ETag stale = await Store.WriteAsync(container, "manifest.json", Bytes("v1"));
        ETag current = await Store.WriteAsync(container, "manifest.json", Bytes("v2"), ifMatch: stale);

        var ex = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.WriteAsync(container, "manifest.json", Bytes("lost update"), ifMatch: stale));

        Assert.Equal(container, ex.Container);
        Assert.Equal("manifest.json", ex.Name);
        StoredObject read = await Store.ReadAsync(container, "manifest.json");
        Assert.Equal("v2", Text(read));
        Assert.Equal(current, read.ETag);
    }

    [Fact]
    public async Task Write_with_an_etag_to_a_missing_object_throws_PreconditionFailed()
    {
        string container = NewContainer();
        ETag other = await Store.WriteAsync(container, "other.json", Bytes("x"));

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.WriteAsync(container, "missing.json", Bytes("x"), ifMatch: other));
        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.WriteAsync(NewContainer(), "missing.json", Bytes("x"), ifMatch: other));
        Assert.False(await Store.ExistsAsync(container, "missing.json"));
    }

    [Fact]
    public async Task Write_with_etag_all_requires_only_that_the_object_exists()
    {
        string container = NewContainer();
        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.WriteAsync(container, "a.txt", Bytes("x"), ifMatch: ETag.All));
        await Store.WriteAsync(container, "a.txt", Bytes("v1"));

        await Store.WriteAsync(container, "a.txt", Bytes("v2"), ifMatch: ETag.All);

        Assert.Equal("v2", Text(await Store.ReadAsync(container, "a.txt")));
    }

    [Fact]
    public async Task Read_modify_write_loops_with_etags_from_separate_stores_lose_no_update()
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "counter", Bytes("0"));
        IObjectStore[] stores = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => CreateStoreAsync()));
        const int incrementsPerWriter = 4;

        await Task.WhenAll(stores.Select(store => Task.Run(async () =>
        {
            for (int i = 0; i < incrementsPerWriter; i++)
            {
                while (true)
                {
                    StoredObject current = await store.ReadAsync(container, "counter");
                    int value = int.Parse(Text(current));
                    try
                    {
                        await store.WriteAsync(container, "counter", Bytes((value + 1).ToString()), ifMatch: current.ETag);
                        break;
                    }
                    catch (PreconditionFailedException)
                    {
                        await Task.Delay(Random.Shared.Next(1, 10));
                    }
                }
            }
        })));

        Assert.Equal((stores.Length * incrementsPerWriter).ToString(), Text(await Store.ReadAsync(container, "counter")));
    }

    [Fact]
    public async Task A_bounded_read_returns_an_object_within_the_limit_and_refuses_a_larger_one_naming_its_version()
    {
        string container = NewContainer();
        byte[] content = RandomNumberGenerator.GetBytes(10_000);
        ETag etag = await Store.WriteAsync(container, "uploads/a.png", content, "image/png");

        StoredObject within = await Store.ReadAsync(container, "uploads/a.png", maxBytes: 10_000);
        var refused = await Assert.ThrowsAsync<ObjectTooLargeException>(() => Store.ReadAsync(container, "uploads/a.png", maxBytes: 9_999));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(container, "uploads/missing.png", maxBytes: 10));

        Assert.Equal(content, within.Content.ToArray());
        Assert.Equal(etag, within.ETag);
        Assert.Equal((10_000L, 9_999L, etag), (refused.Length, refused.MaxBytes, refused.ETag));
    }

    [Fact]
    public async Task Read_returns_content_length_md5_content_type_and_metadata_of_the_version_read()
    {
        string container = NewContainer();
        byte[] content = RandomNumberGenerator.GetBytes(100_000);
        var metadata = new Dictionary<string, string> { ["prompt_id"] = "p-42", ["Seed"] = "1234", ["model"] = "sd-1.4 fp16" };

        ETag etag = await Store.WriteAsync(container, "outputs/p-42/0.png", content, "image/png", metadata);
        StoredObject read = await Store.ReadAsync(container, "outputs/p-42/0.png");
        ObjectProperties properties = await Store.GetPropertiesAsync(container, "outputs/p-42/0.png");

        Assert.Equal(content, read.Content.ToArray());
        foreach (ObjectProperties p in new[] { read.Properties, properties })
        {
            Assert.Equal(container, p.Container);
            Assert.Equal("outputs/p-42/0.png", p.Name);
            Assert.Equal(content.Length, p.Length);
            Assert.Equal(etag, p.ETag);
            Assert.Equal("image/png", p.ContentType);
            Assert.Equal(Convert.ToBase64String(MD5.HashData(content)), p.ContentMd5);
            Assert.Equal(3, p.Metadata.Count);
            Assert.Equal("p-42", p.Metadata["prompt_id"]);
            Assert.Equal("1234", p.Metadata["seed"]);
            Assert.Equal("sd-1.4 fp16", p.Metadata["model"]);
            Assert.True(p.LastModified > DateTimeOffset.UtcNow.AddMinutes(-10));
        }
    }

    [Fact]
    public async Task Empty_content_and_default_content_type_round_trip()
    {
        string container = NewContainer();

        await Store.WriteAsync(container, "empty.bin", ReadOnlyMemory<byte>.Empty);

        StoredObject read = await Store.ReadAsync(container, "empty.bin");
        Assert.Equal(0, read.Content.Length);
        Assert.Equal(0, read.Properties.Length);
        Assert.Equal(StorageNames.DefaultContentType, read.Properties.ContentType);
        Assert.Empty(read.Metadata);
    }

    [Fact]
    public async Task Names_with_spaces_unicode_and_leading_dots_round_trip()
    {
        string container = NewContainer();
        string[] names = ["run 1/image é.png", "ünïcødé/名前.json", ".hidden/.config", "a/b/c/d/e/f.txt"];

        foreach (string name in names)
        {
            await Store.WriteAsync(container, name, Bytes(name));
        }

        foreach (string name in names)
        {
            Assert.Equal(name, Text(await Store.ReadAsync(container, name)));
        }

        var listed = new List<string>();
        await foreach (ObjectProperties item in Store.ListAsync(container))
        {
            listed.Add(item.Name);
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task Missing_objects_throw_ObjectNotFound_where_an_object_is_needed_and_report_false_elsewhere()
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "present.txt", Bytes("x"));

        foreach (string c in new[] { container, NewContainer() })
        {
            var ex = await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.ReadAsync(c, "missing.txt"));
            Assert.Equal(c, ex.Container);
            Assert.Equal("missing.txt", ex.Name);
            await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.GetPropertiesAsync(c, "missing.txt"));
            await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.SetMetadataAsync(c, "missing.txt", new Dictionary<string, string>()));
            await Assert.ThrowsAsync<ObjectNotFoundException>(() => Store.CopyAsync(c, "missing.txt", container, "copy.txt"));
            Assert.False(await Store.ExistsAsync(c, "missing.txt"));
            Assert.False(await Store.DeleteAsync(c, "missing.txt"));
        }

        Assert.False(await Store.ExistsAsync(container, "copy.txt"));
        Assert.Empty(await ListNamesAsync(NewContainer()));
    }

    [Fact]
    public async Task Delete_removes_the_object_once_and_honours_the_etag()
    {
        string container = NewContainer();
        ETag v1 = await Store.WriteAsync(container, "job.json", Bytes("v1"));
        ETag v2 = await Store.WriteAsync(container, "job.json", Bytes("v2"));

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.DeleteAsync(container, "job.json", ifMatch: v1));
        Assert.True(await Store.ExistsAsync(container, "job.json"));

        Assert.True(await Store.DeleteAsync(container, "job.json", ifMatch: v2));
        Assert.False(await Store.ExistsAsync(container, "job.json"));
        Assert.False(await Store.DeleteAsync(container, "job.json"));
        Assert.False(await Store.DeleteAsync(container, "job.json", ifMatch: v2));
        Assert.True(await Store.WriteIfAbsentAsync(container, "job.json", Bytes("v3")));
    }

    [Fact]
    public async Task List_returns_objects_under_a_prefix_in_ordinal_order_with_size_and_etag()
    {
        string container = NewContainer();
        var etags = new Dictionary<string, ETag>();
        foreach (string name in new[] { "undesired/shards/b.bin", "undesired/manifest.json", "undesired/shards/a.bin", "undesired-old/manifest.json", "desired/manifest.json" })
        {
            etags[name] = await Store.WriteAsync(container, name, Bytes(name + "!"));
        }

        List<ObjectProperties> shards = await ListAsync(container, "undesired/shards/");
        List<string> undesiredPrefix = (await ListAsync(container, "undesired")).Select(p => p.Name).ToList();
        List<string> folderPrefix = (await ListAsync(container, "undesired/")).Select(p => p.Name).ToList();
        List<string> all = (await ListAsync(container, null)).Select(p => p.Name).ToList();

        Assert.Equal(["undesired/shards/a.bin", "undesired/shards/b.bin"], shards.Select(p => p.Name));
        Assert.All(shards, p => Assert.Equal(p.Name.Length + 1, p.Length));
        Assert.All(shards, p => Assert.Equal(etags[p.Name], p.ETag));
        Assert.Equal(["undesired-old/manifest.json", "undesired/manifest.json", "undesired/shards/a.bin", "undesired/shards/b.bin"], undesiredPrefix);
        Assert.Equal(["undesired/manifest.json", "undesired/shards/a.bin", "undesired/shards/b.bin"], folderPrefix);
        Assert.Equal(5, all.Count);
        Assert.Empty(await ListAsync(container, "nothing/"));
    }

    [Fact]
    public async Task List_reports_metadata()
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "a.json", Bytes("a"), metadata: new Dictionary<string, string> { ["kind"] = "manifest" });

        ObjectProperties item = Assert.Single(await ListAsync(container, null));

        Assert.Equal("manifest", item.Metadata["kind"]);
    }

    [Fact]
    public async Task Set_metadata_replaces_all_metadata_keeps_the_content_and_changes_the_etag()
    {
        string container = NewContainer();
        ETag written = await Store.WriteAsync(container, "img.png", Bytes("pixels"), "image/png", new Dictionary<string, string> { ["status"] = "pending", ["old"] = "x" });

        ETag updated = await Store.SetMetadataAsync(container, "img.png", new Dictionary<string, string> { ["status"] = "approved" }, ifMatch: written);

        StoredObject read = await Store.ReadAsync(container, "img.png");
        Assert.NotEqual(written, updated);
        Assert.Equal(updated, read.ETag);
        Assert.Equal("pixels", Text(read));
        Assert.Equal("image/png", read.Properties.ContentType);
        Assert.Equal("approved", Assert.Single(read.Metadata).Value);
        await Assert.ThrowsAsync<PreconditionFailedException>(
            () => Store.SetMetadataAsync(container, "img.png", new Dictionary<string, string> { ["status"] = "rejected" }, ifMatch: written));
        Assert.Equal("approved", (await Store.GetPropertiesAsync(container, "img.png")).Metadata["status"]);
    }

    [Fact]
    public async Task Copy_to_a_new_container_copies_content_type_and_metadata_and_returns_verified_properties()
    {
        string source = NewContainer();
        string destination = NewContainer();
        byte[] content = RandomNumberGenerator.GetBytes(300_000);
        await Store.WriteAsync(source, "uploads/ref.png", content, "image/png", new Dictionary<string, string> { ["owner"] = "alice" });

        ObjectProperties copied = await Store.CopyAsync(source, "uploads/ref.png", destination, "quarantine/ref.png");

        StoredObject read = await Store.ReadAsync(destination, "quarantine/ref.png");
        Assert.Equal(content, read.Content.ToArray());
        Assert.Equal(content.Length, copied.Length);
        Assert.Equal(Convert.ToBase64String(MD5.HashData(content)), copied.ContentMd5);
        Assert.Equal(read.ETag, copied.ETag);
        Assert.Equal("image/png", read.Properties.ContentType);
        Assert.Equal("alice", read.Metadata["owner"]);
        Assert.Equal(content, (await Store.ReadAsync(source, "uploads/ref.png")).Content.ToArray());
    }

    [Fact]
    public async Task Copy_replaces_an_existing_destination()
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "src.txt", Bytes("new"));
        ETag old = await Store.WriteAsync(container, "dst.txt", Bytes("old content that is longer"));

        ObjectProperties copied = await Store.CopyAsync(container, "src.txt", container, "dst.txt");

        Assert.NotEqual(old, copied.ETag);
        Assert.Equal("new", Text(await Store.ReadAsync(container, "dst.txt")));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CopyAsync(container, "src.txt", container, "src.txt"));
    }

    [Theory]
    [MemberData(nameof(InvalidObjectNames))]
    public async Task Invalid_object_names_are_rejected_with_ArgumentException_before_anything_is_written(string name)
    {
        string container = NewContainer();
        await Store.WriteAsync(container, "valid.txt", Bytes("x"));
        var metadata = new Dictionary<string, string>();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ReadAsync(container, name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetPropertiesAsync(container, name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ExistsAsync(container, name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteIfAbsentAsync(container, name, Bytes("x")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(container, name, Bytes("x")));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.DeleteAsync(container, name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SetMetadataAsync(container, name, metadata));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CopyAsync(container, "valid.txt", container, name));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CopyAsync(container, name, container, "valid-copy.txt"));
        Assert.Equal(["valid.txt"], await ListNamesAsync(container));
    }

    [Theory]
    [MemberData(nameof(InvalidContainerNames))]
    public async Task Invalid_container_names_are_rejected_with_ArgumentException(string container)
    {
        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.WriteAsync(container, "a.txt", Bytes("x")));
        Assert.Contains(container, ex.Message);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ReadAsync(container, "a.txt"));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => ListNamesAsync(container));
    }

    [Fact]
    public async Task Invalid_metadata_is_rejected_with_ArgumentException()
    {
        string container = NewContainer();

        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.WriteAsync(container, "a.txt", Bytes("x"), metadata: new Dictionary<string, string> { ["not-an-identifier"] = "x" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.WriteIfAbsentAsync(container, "a.txt", Bytes("x"), metadata: new Dictionary<string, string> { ["key"] = "non-ascii é" }));
        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.WriteAsync(container, "a.txt", Bytes("x"), metadata: new Dictionary<string, string> { ["Key"] = "a", ["key"] = "b" }));
        Assert.False(await Store.ExistsAsync(container, "a.txt"));
    }

    protected static ReadOnlyMemory<byte> Bytes(string text) => Encoding.UTF8.GetBytes(text);

    protected static string Text(StoredObject stored) => Encoding.UTF8.GetString(stored.Content.Span);

    protected async Task<List<ObjectProperties>> ListAsync(string container, string? prefix)
    {
        var items = new List<ObjectProperties>();
        await foreach (ObjectProperties item in Store.ListAsync(container, prefix))
        {
            items.Add(item);
        }

        return items;
    }

    protected async Task<List<string>> ListNamesAsync(string container) => (await ListAsync(container, null)).Select(p => p.Name).ToList();
}
