using System.Runtime.InteropServices;

namespace Compositor.Backends.Native;

/// <summary>libEGL (through libglvnd, Mesa behind it). Extension entry points come from eglGetProcAddress.</summary>
internal static unsafe partial class Egl
{
    private const string Lib = "libEGL.so.1";

    public const int None = 0x3038, True = 1, False = 0;
    public const int Success = 0x3000;
    public const int Vendor = 0x3053, Version = 0x3054, Extensions = 0x3055;
    public const int OpenGlEsApi = 0x30A0;
    public const int ContextMajorVersion = 0x3098, ContextMinorVersion = 0x30FB;
    public const int PlatformSurfacelessMesa = 0x31DD, PlatformGbmKhr = 0x31D7;
    public const int Width = 0x3057, Height = 0x3056;
    public const int LinuxDmaBuf = 0x3270, LinuxDrmFourcc = 0x3271;
    public const int ImagePreserved = 0x30D2;
    public const int DeviceExt = 0x322C, DrmDeviceFile = 0x3233, DrmRenderNodeFile = 0x3377;
    public const int SyncNativeFenceAndroid = 0x3144, SyncNativeFenceFdAndroid = 0x3145, NoNativeFenceFdAndroid = -1;

    /// <summary>EGL_DMA_BUF_PLANEn_{FD,OFFSET,PITCH,MODIFIER_LO,MODIFIER_HI}_EXT for n = 0..3.</summary>
    public static readonly int[] PlaneFd = [0x3272, 0x3275, 0x3278, 0x3440];
    public static readonly int[] PlaneOffset = [0x3273, 0x3276, 0x3279, 0x3441];
    public static readonly int[] PlanePitch = [0x3274, 0x3277, 0x327A, 0x3442];
    public static readonly int[] PlaneModifierLo = [0x3443, 0x3445, 0x3447, 0x3449];
    public static readonly int[] PlaneModifierHi = [0x3444, 0x3446, 0x3448, 0x344A];

    [LibraryImport(Lib, EntryPoint = "eglGetProcAddress", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint GetProcAddress(string name);

    [LibraryImport(Lib, EntryPoint = "eglInitialize")]
    public static partial int Initialize(nint display, out int major, out int minor);

    [LibraryImport(Lib, EntryPoint = "eglTerminate")]
    public static partial int Terminate(nint display);

    [LibraryImport(Lib, EntryPoint = "eglQueryString")]
    public static partial nint QueryStringRaw(nint display, int name);

    public static string QueryString(nint display, int name) => Marshal.PtrToStringUTF8(QueryStringRaw(display, name)) ?? "";

    [LibraryImport(Lib, EntryPoint = "eglBindAPI")]
    public static partial int BindApi(int api);

    [LibraryImport(Lib, EntryPoint = "eglCreateContext")]
    public static partial nint CreateContext(nint display, nint config, nint shareContext, int* attributes);

    [LibraryImport(Lib, EntryPoint = "eglDestroyContext")]
    public static partial int DestroyContext(nint display, nint context);

    [LibraryImport(Lib, EntryPoint = "eglMakeCurrent")]
    public static partial int MakeCurrent(nint display, nint draw, nint read, nint context);

    [LibraryImport(Lib, EntryPoint = "eglGetError")]
    public static partial int GetError();

    [LibraryImport(Lib, EntryPoint = "eglReleaseThread")]
    public static partial int ReleaseThread();

    /// <summary>Extension functions, loaded once per process.</summary>
    public static class Ext
    {
        public static readonly delegate* unmanaged<int, nint, nint*, nint> GetPlatformDisplay =
            (delegate* unmanaged<int, nint, nint*, nint>)GetProcAddress("eglGetPlatformDisplayEXT");
        public static readonly delegate* unmanaged<nint, nint, int, nint, int*, nint> CreateImage =
            (delegate* unmanaged<nint, nint, int, nint, int*, nint>)GetProcAddress("eglCreateImageKHR");
        public static readonly delegate* unmanaged<nint, nint, int> DestroyImage =
            (delegate* unmanaged<nint, nint, int>)GetProcAddress("eglDestroyImageKHR");
        public static readonly delegate* unmanaged<nint, int, int*, int*, int> QueryDmaBufFormats =
            (delegate* unmanaged<nint, int, int*, int*, int>)GetProcAddress("eglQueryDmaBufFormatsEXT");
        public static readonly delegate* unmanaged<nint, int, int, ulong*, int*, int*, int> QueryDmaBufModifiers =
            (delegate* unmanaged<nint, int, int, ulong*, int*, int*, int>)GetProcAddress("eglQueryDmaBufModifiersEXT");
        public static readonly delegate* unmanaged<nint, int, nint*, int> QueryDisplayAttrib =
            (delegate* unmanaged<nint, int, nint*, int>)GetProcAddress("eglQueryDisplayAttribEXT");
        public static readonly delegate* unmanaged<nint, int, nint> QueryDeviceString =
            (delegate* unmanaged<nint, int, nint>)GetProcAddress("eglQueryDeviceStringEXT");
        public static readonly delegate* unmanaged<nint, int, int*, nint> CreateSync =
            (delegate* unmanaged<nint, int, int*, nint>)GetProcAddress("eglCreateSyncKHR");
        public static readonly delegate* unmanaged<nint, nint, int> DestroySync =
            (delegate* unmanaged<nint, nint, int>)GetProcAddress("eglDestroySyncKHR");
        public static readonly delegate* unmanaged<nint, nint, int> DupNativeFenceFd =
            (delegate* unmanaged<nint, nint, int>)GetProcAddress("eglDupNativeFenceFDANDROID");
    }

    public static string ErrorName(int error) => error switch
    {
        0x3000 => "EGL_SUCCESS",
        0x3001 => "EGL_NOT_INITIALIZED",
        0x3002 => "EGL_BAD_ACCESS",
        0x3003 => "EGL_BAD_ALLOC",
        0x3004 => "EGL_BAD_ATTRIBUTE",
        0x3005 => "EGL_BAD_CONFIG",
        0x3006 => "EGL_BAD_CONTEXT",
        0x3008 => "EGL_BAD_DISPLAY",
        0x3009 => "EGL_BAD_MATCH",
        0x300C => "EGL_BAD_PARAMETER",
        _ => $"0x{error:x}",
    };
}

/// <summary>EGL failed in a way the compositor cannot work around (no display, no context).</summary>
public sealed class EglException(string message) : Exception(message);
