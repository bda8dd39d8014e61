namespace Wayland.Fuzz.Harness;

/// <summary>Open fds of a process, read from /proc. Deliberately no GC first: an fd that only a
/// finalizer would close is held for an unbounded time, and that is a leak too.</summary>
public static class FdCount
{
    /// <summary>Open fds of a process; -1 once it is gone.</summary>
    public static int Of(int pid)
    {
        try { return Count($"/proc/{pid}/fd"); }
        catch (Exception e) when (e is DirectoryNotFoundException or UnauthorizedAccessException) { return -1; }
    }

    /// <summary>This process's fds, not counting the one the listing itself opens.</summary>
    public static int OfSelf() => Count("/proc/self/fd") - 1;

    /// <summary>This process's open fds and what each one is (readlink), to name the leaked ones.</summary>
    public static Dictionary<int, string> SnapshotSelf()
    {
        var fds = new Dictionary<int, string>();
        foreach (var entry in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try { fds[int.Parse(Path.GetFileName(entry))] = new FileInfo(entry).LinkTarget ?? "?"; }
            catch (IOException) { } // the listing's own fd, closed by now
        }
        return fds;
    }

    private static int Count(string dir) => Directory.EnumerateFileSystemEntries(dir).Count();

    /// <summary>Resident memory in KiB (VmRSS), or -1 when the process is gone.</summary>
    public static long RssKiB(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim());
        }
        catch (IOException) { }
        return -1;
    }
}
