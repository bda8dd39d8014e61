namespace Wayland.Benchmarks;

/// <summary>What a server process holds, read from /proc: resident memory and open fds.</summary>
internal static class ProcStats
{
    /// <summary>VmRSS in bytes.</summary>
    public static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim()) * 1024;
        throw new InvalidOperationException("no VmRSS in /proc status");
    }

    public static int FdCount(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    public static string Mb(long bytes) => $"{bytes / (1024.0 * 1024):F0} MB";
}
