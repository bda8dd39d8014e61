using System.Runtime.InteropServices;
using Tmds.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace Wayland.Events.Tests;

/// <summary>
/// Tests that change process-wide state (environment, signal dispositions) or count the process's fds
/// run here, alone: xunit runs a collection with parallelization disabled after all the others.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCollection
{
    public const string Name = "Process-wide state";
}

internal static unsafe class Fds
{
    /// <summary>Open fds of this process; the directory handle used to list them is counted every time.</summary>
    public static int Count() => Directory.GetFileSystemEntries("/proc/self/fd").Length;

    public static (int Read, int Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw new IOException($"pipe2 failed: errno {errno}");
        return (fds[0], fds[1]);
    }

    public static void WriteByte(int fd, byte value = 42)
    {
        if ((long)write(fd, &value, 1) != 1) throw new IOException($"write failed: errno {errno}");
    }

    /// <summary>Reads what is there (non-blocking); returns the byte count.</summary>
    public static int Drain(int fd)
    {
        byte* buffer = stackalloc byte[256];
        int total = 0;
        long n;
        while ((n = (long)read(fd, buffer, 256)) > 0) total += (int)n;
        return total;
    }

    public static void Close(params int[] fds)
    {
        foreach (var fd in fds) close(fd);
    }

    public static bool IsOpen(int fd) => fcntl(fd, F_GETFD) >= 0;
}

/// <summary>Points XDG_RUNTIME_DIR at a fresh directory (short, for the 108-byte socket path limit) and
/// puts the old value back afterwards.</summary>
internal sealed class RuntimeDir : IDisposable
{
    private readonly string? _previous = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");

    public RuntimeDir()
    {
        Path = Directory.CreateTempSubdirectory("wlev-").FullName;
        Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", Path);
    }

    public string Path { get; }

    public string this[string name] => System.IO.Path.Join(Path, name);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", _previous);
        Directory.Delete(Path, recursive: true);
    }
}

/// <summary>Sets or clears XDG_RUNTIME_DIR for one test.</summary>
internal sealed class RuntimeDirVariable : IDisposable
{
    private readonly string? _previous = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");

    public RuntimeDirVariable(string? value) => Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", value);

    public void Dispose() => Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", _previous);
}

internal static partial class Libc
{
    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int flock(int fd, int operation);

    public const int LOCK_EX = 2, LOCK_NB = 4;
}
