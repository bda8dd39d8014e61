using System.Runtime.InteropServices;
using Serilog;

namespace Compositor.Backends.Drm;

/// <summary>
/// The text console the compositor was started on, if it was started on one: while the compositor
/// runs, the console stops drawing (KD_GRAPHICS) and stops turning key presses into terminal input
/// (K_OFF, else every key typed into a window would also reach the shell behind the compositor).
/// Both are put back on dispose, and on an unhandled exception, so a crash does not leave a dead
/// console. Switching consoles while the compositor runs is not supported yet.
/// </summary>
public sealed unsafe partial class VirtualTerminal : IDisposable
{
    private const nuint KdGetMode = 0x4B3B, KdSetMode = 0x4B3A, KdGetKbMode = 0x4B44, KdSetKbMode = 0x4B45;
    private const int KdText = 0, KdGraphics = 1, KOff = 4;

    private readonly int _fd;
    private readonly int _savedKbMode;
    private readonly ILogger _log;
    private bool _restored;

    private VirtualTerminal(int fd, int savedKbMode, ILogger log)
    {
        _fd = fd;
        _savedKbMode = savedKbMode;
        _log = log;
        AppDomain.CurrentDomain.UnhandledException += OnCrash;
    }

    /// <summary>Takes over the console on <paramref name="fd"/> (standard input by default); null
    /// when that is not a virtual terminal (a pipe, a pseudo-terminal, the VM's serial line).</summary>
    public static VirtualTerminal? TakeOver(ILogger log, int fd = 0)
    {
        int mode, kbMode;
        if (ioctl(fd, KdGetMode, &mode) != 0 || ioctl(fd, KdGetKbMode, &kbMode) != 0) return null;
        if (ioctl(fd, KdSetKbMode, (void*)KOff) != 0)
        {
            log.Warning("Cannot turn the console keyboard off (errno {Errno}): keys will also reach the console", Marshal.GetLastPInvokeError());
            return null;
        }
        if (ioctl(fd, KdSetMode, (void*)KdGraphics) != 0)
        {
            ioctl(fd, KdSetKbMode, (void*)kbMode);
            log.Warning("Cannot put the console in graphics mode (errno {Errno})", Marshal.GetLastPInvokeError());
            return null;
        }
        log.Information("Took over the console (graphics mode, keyboard off); Ctrl+Alt+Backspace quits");
        return new VirtualTerminal(fd, kbMode, log);
    }

    /// <summary>Whether <paramref name="fd"/> is a virtual terminal (a text console).</summary>
    public static bool IsConsole(int fd)
    {
        int mode;
        return ioctl(fd, KdGetMode, &mode) == 0;
    }

    /// <summary>The console's display mode now: true in graphics mode (tests).</summary>
    public static bool IsInGraphicsMode(int fd)
    {
        int mode;
        return ioctl(fd, KdGetMode, &mode) == 0 && mode == KdGraphics;
    }

    private void OnCrash(object sender, UnhandledExceptionEventArgs e) => Restore();

    private void Restore()
    {
        if (_restored) return;
        _restored = true;
        ioctl(_fd, KdSetMode, (void*)KdText);
        ioctl(_fd, KdSetKbMode, (void*)_savedKbMode);
        _log.Information("Gave the console back");
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= OnCrash;
        Restore();
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ioctl(int fd, nuint request, void* arg);
}
