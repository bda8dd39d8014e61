using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>Mesa's GBM (libgbm.so.1): the device EGL renders on when it is bound to a DRM render node.</summary>
internal static unsafe partial class Gbm
{
    private const string Lib = "libgbm.so.1";
    public const uint BoUseScanout = 1 << 0, BoUseRendering = 1 << 2, BoUseLinear = 1 << 4;

    [LibraryImport(Lib, EntryPoint = "gbm_create_device")]
    public static partial nint CreateDevice(int fd);

    [LibraryImport(Lib, EntryPoint = "gbm_device_destroy")]
    public static partial void DeviceDestroy(nint device);

    [LibraryImport(Lib, EntryPoint = "gbm_device_get_backend_name")]
    private static partial nint DeviceGetBackendNameRaw(nint device);

    public static string BackendName(nint device) => Marshal.PtrToStringUTF8(DeviceGetBackendNameRaw(device)) ?? "?";

    [LibraryImport(Lib, EntryPoint = "gbm_bo_create")]
    public static partial nint BoCreate(nint device, uint width, uint height, uint format, uint flags);

    [LibraryImport(Lib, EntryPoint = "gbm_bo_destroy")]
    public static partial void BoDestroy(nint bo);

    [LibraryImport(Lib, EntryPoint = "gbm_bo_get_fd")]
    public static partial int BoGetFd(nint bo);

    [LibraryImport(Lib, EntryPoint = "gbm_bo_get_stride")]
    public static partial uint BoGetStride(nint bo);
}
