namespace Nudge.Indexing.Tests.Support;

/// <summary>Stands for a process dying at the moment a write was attempted.</summary>
public sealed class SimulatedCrashException(string message) : Exception(message);
