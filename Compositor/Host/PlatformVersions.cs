using System.Runtime.InteropServices;

namespace Compositor;

/// <summary>
/// The core interface versions this system's libwayland-client knows. Many real clients (C programs
/// such as weston's demos, Rust ones such as alacritty 0.11) bind a global at whatever version is
/// advertised and then use libwayland-client's own interface tables: an event newer than those tables
/// (wl_surface.preferred_buffer_scale, from wl_compositor 6, on Debian 12's libwayland 1.21) makes
/// libwayland kill the client with "interface 'wl_surface' has no event 2". A client bug, but those
/// are the platform's clients, so by default the core globals are advertised no higher than the
/// platform's libwayland-client defines them; <c>--latest-versions</c> advertises all we implement.
/// </summary>
internal static class PlatformVersions
{
    /// <summary>The globals of wayland.xml: their child interfaces follow the global's version.</summary>
    private static readonly string[] CoreGlobals =
        ["wl_compositor", "wl_subcompositor", "wl_shm", "wl_seat", "wl_output", "wl_data_device_manager"];

    /// <summary>Interface name → the version libwayland-client's <c>NAME_interface</c> table carries;
    /// empty where the library is not installed (then no client on this system uses it).</summary>
    public static Dictionary<string, uint> Read()
    {
        var versions = new Dictionary<string, uint>();
        if (!NativeLibrary.TryLoad("libwayland-client.so.0", out var lib)) return versions;
        try
        {
            foreach (var name in CoreGlobals)
            {
                // struct wl_interface { const char *name; int version; ... }: the version follows the name pointer.
                if (!NativeLibrary.TryGetExport(lib, name + "_interface", out var table)) continue;
                var version = Marshal.ReadInt32(table, IntPtr.Size);
                if (version > 0) versions[name] = (uint)version;
            }
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
        return versions;
    }

    /// <summary>The version the compositor implements of a core global.</summary>
    public static uint Implemented(string name) => name switch
    {
        "wl_compositor" => Surfaces.CompositorGlobal.Version,
        "wl_subcompositor" => Surfaces.SubcompositorGlobal.Version,
        "wl_shm" => Shm.ShmGlobal.Version,
        "wl_seat" => Seat.Seat.Version,
        "wl_output" => Scene.SceneOutput.WlOutputVersion,
        "wl_data_device_manager" => DataDevice.DataDeviceManager.Version,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a core global"),
    };

    /// <summary>The caps to advertise: the platform's versions, lowered further by --max-version.</summary>
    public static Dictionary<string, uint> Caps(IReadOnlyDictionary<string, uint> platform, IReadOnlyDictionary<string, uint> explicitCaps)
    {
        var caps = new Dictionary<string, uint>(platform);
        foreach (var (name, cap) in explicitCaps)
            caps[name] = caps.TryGetValue(name, out var p) ? Math.Min(p, cap) : cap;
        return caps;
    }
}
