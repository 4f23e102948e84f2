namespace Nudge.Orchestration.Hosting;

/// <summary>Options for <see cref="AzureStorageDurableHost"/>.</summary>
public sealed class AzureStorageHostOptions
{
    /// <summary>The storage account's connection string (Azurite: <c>UseDevelopmentStorage=true</c>). Required.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The task hub: 3–45 letters and digits, starting with a letter. Default <c>nudge</c>.</summary>
    public string TaskHub { get; set; } = "nudge";

    /// <summary>Control-queue partitions (default 1: one worker process).</summary>
    public int PartitionCount { get; set; } = 1;

    /// <summary>
    /// The longest back-off between polls of an empty queue. Short (default 100 ms) keeps latency low on one machine;
    /// Durable Functions' default is 30 s, which trades latency for fewer storage transactions.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a dequeued orchestration or activity message stays invisible before another worker may take it
    /// (default 2 minutes; null: the framework's default, 5 minutes). After a storage outage, or when a worker is
    /// killed, a message it held comes back only when this expires, so it bounds how long recovery takes. It must not
    /// be short: the framework renews only messages whose work is running, not those prefetched for an orchestration
    /// that waits its turn, and at 30 s a loaded two-core machine let prefetched messages expire, be dequeued again
    /// and fail with a pop-receipt mismatch, over and over (a 30-line batch stalled for 6 minutes in CI); a short value
    /// also renews running activities every 5 s, which races their final delete.
    /// </summary>
    public TimeSpan? QueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long disposing the host waits for the worker to stop (default 30 s). After a storage outage the
    /// framework's table partition manager was seen to wait its full 10-minute shutdown timeout; the host then
    /// logs a warning and returns rather than hang its caller. Orchestration state is in storage either way.
    /// </summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether disposing the host deletes the task hub's queues, tables and containers (tests; default false).</summary>
    public bool DeleteTaskHubOnDispose { get; set; }

    /// <summary>Throws when the options cannot work.</summary>
    /// <exception cref="ArgumentException">A missing connection string or a malformed task hub name.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            throw new ArgumentException("a storage connection string is required", nameof(ConnectionString));
        }

        if (TaskHub.Length is < 3 or > 45 || !char.IsAsciiLetter(TaskHub[0]) || !TaskHub.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"task hub '{TaskHub}' must be 3-45 letters and digits starting with a letter", nameof(TaskHub));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PartitionCount, 1, nameof(PartitionCount));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxQueuePollingInterval, TimeSpan.Zero, nameof(MaxQueuePollingInterval));
    }
}
