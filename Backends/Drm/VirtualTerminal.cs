using System.Runtime.InteropServices;
using Serilog;
using static Wayland.Interop.Libc;

namespace Compositor.Backends.Drm;

/// <summary>
/// The text console the compositor was started on, if it was started on one: while the compositor
/// runs, the console stops drawing (KD_GRAPHICS) and stops turning key presses into terminal input
/// (K_OFF, else every key typed into a window would also reach the shell behind the compositor).
/// Both are put back on dispose, and on an unhandled exception, so a crash does not leave a dead
/// console. Switching to another console is ours to allow (VT_PROCESS): the kernel asks with
/// SIGUSR1, the compositor lets go of the display and input, then says yes; coming back, SIGUSR2,
/// it takes them again.
/// </summary>
public sealed unsafe class VirtualTerminal : IDisposable
{
    private const nuint KdGetMode = 0x4B3B, KdSetMode = 0x4B3A, KdGetKbMode = 0x4B44, KdSetKbMode = 0x4B45;
    private const nuint VtSetMode = 0x5602, VtRelDisp = 0x5605, VtActivate = 0x5606;
    private const int KdText = 0, KdGraphics = 1, KOff = 4;
    private const byte VtAuto = 0, VtProcess = 1;
    private const int VtAckAcq = 2, SigUsr1 = 10, SigUsr2 = 12;

    [StructLayout(LayoutKind.Sequential)]
    private struct VtMode { public byte Mode, WaitV; public short RelSig, AcqSig, FrSig; }

    private SignalSourcePair? _signals;

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

    /// <summary>Asked to give the display up: the console is switching away. Runs on the loop.</summary>
    public event Action? Releasing;
    /// <summary>The console is ours again. Runs on the loop.</summary>
    public event Action? Acquired;
    /// <summary>False while another console is shown.</summary>
    public bool IsActive { get; private set; } = true;

    /// <summary>Takes part in console switching: the kernel asks through signals, delivered on the loop.</summary>
    public void HandleSwitches(Wayland.Events.EventLoop loop)
    {
        var release = loop.AddSignal(SigUsr1, _ => Release());
        var acquire = loop.AddSignal(SigUsr2, _ => Acquire());
        _signals = new SignalSourcePair(release, acquire);
        var mode = new VtMode { Mode = VtProcess, RelSig = SigUsr1, AcqSig = SigUsr2 };
        if (ioctl(_fd, VtSetMode, &mode) != 0)
            _log.Warning("Console switching stays with the kernel (VT_SETMODE failed: errno {Errno})", Marshal.GetLastPInvokeError());
    }

    /// <summary>Shows console <paramref name="number"/> (Ctrl+Alt+F<paramref name="number"/>).</summary>
    public void Activate(int number)
    {
        if (ioctl(_fd, VtActivate, (void*)number) != 0)
            _log.Warning("Cannot switch to console {Number}: errno {Errno}", number, Marshal.GetLastPInvokeError());
    }

    private void Release()
    {
        if (!IsActive) return;
        _log.Information("Console switching away: letting go of the display and input");
        IsActive = false;
        Releasing?.Invoke();
        ioctl(_fd, VtRelDisp, (void*)1);
    }

    private void Acquire()
    {
        ioctl(_fd, VtRelDisp, (void*)VtAckAcq);
        if (IsActive) return;
        IsActive = true;
        _log.Information("Console back: taking the display and input again");
        Acquired?.Invoke();
    }

    private sealed record SignalSourcePair(Wayland.Events.SignalSource Release, Wayland.Events.SignalSource Acquire);

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
        var mode = new VtMode { Mode = VtAuto };
        ioctl(_fd, VtSetMode, &mode);
        ioctl(_fd, KdSetMode, (void*)KdText);
        ioctl(_fd, KdSetKbMode, (void*)_savedKbMode);
        _log.Information("Gave the console back");
    }

    public void Dispose()
    {
        AppDomain.CurrentDomain.UnhandledException -= OnCrash;
        Restore();
        _signals?.Release.Dispose();
        _signals?.Acquire.Dispose();
    }
}
