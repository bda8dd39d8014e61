using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace Compositor.Tests.Harness;

/// <summary>
/// This process's open fds, for leak checks. It never runs the GC or finalizers: an fd that only a
/// finalizer would close is a leak, and must show as one. Open files are told apart by device and
/// inode, not by number or count, so fds of earlier tests that close meanwhile (their finalizers may
/// run whenever the GC does) neither hide a leak nor look like one.
/// </summary>
internal static unsafe class OpenFds
{
    public static HashSet<(int Fd, ulong Dev, ulong Ino)> Snapshot()
    {
        var open = new HashSet<(int, ulong, ulong)>();
        foreach (var path in Directory.GetFiles("/proc/self/fd"))
        {
            var fd = int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture);
            stat st;
            if (fstat(fd, &st) == 0) open.Add((fd, (ulong)st.st_dev, (ulong)st.st_ino));
        }
        return open;
    }

    /// <summary>No file opened since <paramref name="baseline"/> is still open.</summary>
    public static void AssertNoLeak(HashSet<(int Fd, ulong Dev, ulong Ino)> baseline)
    {
        var leaked = Snapshot().Where(f => !baseline.Contains(f)).ToList();
        Assert.True(leaked.Count == 0, $"{leaked.Count} fds leaked: {string.Join(", ", leaked.Take(10).Select(Describe))}");
    }

    private static string Describe((int Fd, ulong Dev, ulong Ino) f)
    {
        try { return $"{f.Fd} -> {File.ResolveLinkTarget($"/proc/self/fd/{f.Fd}", false)?.FullName ?? "?"}"; }
        catch (IOException) { return $"{f.Fd}"; }
    }
}
