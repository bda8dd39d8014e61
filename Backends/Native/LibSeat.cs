using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>libseat: a seat from seatd or logind, which hands an ordinary user its DRM and input
/// devices (with DRM master) while the session is active, and switches VTs for it.</summary>
internal static unsafe partial class LibSeat
{
    private const string Lib = "libseat.so.1";
    public const int LogLevelError = 1;

    [StructLayout(LayoutKind.Sequential)]
    public struct Listener
    {
        public delegate* unmanaged<nint, void*, void> EnableSeat;
        public delegate* unmanaged<nint, void*, void> DisableSeat;
    }

    [LibraryImport(Lib, EntryPoint = "libseat_open_seat")]
    public static partial nint OpenSeat(Listener* listener, void* userData);

    [LibraryImport(Lib, EntryPoint = "libseat_disable_seat")]
    public static partial int DisableSeat(nint seat);

    [LibraryImport(Lib, EntryPoint = "libseat_close_seat")]
    public static partial int CloseSeat(nint seat);

    [LibraryImport(Lib, EntryPoint = "libseat_open_device", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int OpenDevice(nint seat, string path, out int fd);

    [LibraryImport(Lib, EntryPoint = "libseat_close_device")]
    public static partial int CloseDevice(nint seat, int deviceId);

    [LibraryImport(Lib, EntryPoint = "libseat_seat_name")]
    public static partial nint SeatName(nint seat);

    [LibraryImport(Lib, EntryPoint = "libseat_switch_session")]
    public static partial int SwitchSession(nint seat, int session);

    [LibraryImport(Lib, EntryPoint = "libseat_get_fd")]
    public static partial int GetFd(nint seat);

    [LibraryImport(Lib, EntryPoint = "libseat_dispatch", SetLastError = true)]
    public static partial int Dispatch(nint seat, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "libseat_set_log_level")]
    public static partial void SetLogLevel(int level);
}
