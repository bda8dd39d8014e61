namespace Compositor.Tests.Harness;

/// <summary>Counts this process's open fds for leak checks. Earlier tests leave fds that only their
/// finalizers close (process pipes, sockets): those run first, so they do not move the count during
/// a measurement.</summary>
internal static class OpenFds
{
    public static int Settled()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return Directory.GetFiles("/proc/self/fd").Length;
    }

    /// <summary>No fd opened since <paramref name="baseline"/> is still open. (Fewer is fine: something
    /// unrelated, such as a finished child process's pipe, may have closed meanwhile.)</summary>
    public static void AssertNoLeak(int baseline)
    {
        var now = Settled();
        Assert.True(now <= baseline, $"{now - baseline} fds leaked ({baseline} open before, {now} after)");
    }
}
