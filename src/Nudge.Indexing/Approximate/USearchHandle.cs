using System.Reflection;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace Nudge.Indexing.Approximate;

/// <summary>
/// The USearch C calls its C# binding (2.26.6) does not expose: reserving capacity up front (without it, every
/// <c>Add</c> may grow the graph, which is not safe while other threads insert), the number of threads that may add or
/// search at once (USearch fails a call beyond it rather than wait), and the search expansion of a loaded graph (a loaded
/// graph otherwise searches with the library's default).
/// </summary>
internal static class USearchHandle
{
    private const string Library = "libusearch_c";

    private static readonly FieldInfo HandleField =
        typeof(USearchIndex).GetField("_index", BindingFlags.NonPublic | BindingFlags.Instance)
        ?? throw new MissingFieldException(
            $"{typeof(USearchIndex).FullName} has no native handle field '_index'; the USearch binding changed (expected 2.26.6).");

    /// <summary>Reserves room for <paramref name="capacity"/> vectors.</summary>
    public static void Reserve(USearchIndex index, int capacity)
    {
        usearch_reserve(Handle(index), (nuint)capacity, out IntPtr error);
        ThrowOnError(error, "reserve");
    }

    /// <summary>Sets how many threads may add and search at once.</summary>
    public static void SetThreads(USearchIndex index, int add, int search)
    {
        usearch_change_threads_add(Handle(index), (nuint)add, out IntPtr error);
        ThrowOnError(error, "change_threads_add");
        usearch_change_threads_search(Handle(index), (nuint)search, out error);
        ThrowOnError(error, "change_threads_search");
    }

    /// <summary>Sets the candidate list size of searches.</summary>
    public static void SetExpansionSearch(USearchIndex index, int expansion)
    {
        usearch_change_expansion_search(Handle(index), (nuint)expansion, out IntPtr error);
        ThrowOnError(error, "change_expansion_search");
    }

    private static IntPtr Handle(USearchIndex index) => (IntPtr)HandleField.GetValue(index)!;

    private static void ThrowOnError(IntPtr error, string call)
    {
        if (error != IntPtr.Zero)
        {
            throw new USearchException($"usearch_{call}: {Marshal.PtrToStringAnsi(error)}");
        }
    }

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_reserve(IntPtr index, nuint capacity, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_change_threads_add(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_change_threads_search(IntPtr index, nuint threads, out IntPtr error);

    [DllImport(Library, CallingConvention = CallingConvention.Cdecl)]
    private static extern void usearch_change_expansion_search(IntPtr index, nuint expansion, out IntPtr error);
}
