using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.SessionLock;

/// <summary>
/// ext_session_lock_surface_v1: what the lock client shows on one output while the session is
/// locked, configured to the output's full size and placed over it in the stack's
/// <see cref="SceneLayer.Lock"/> band. It is on screen only while its lock holds the session and
/// its output exists. Every commit must carry a buffer of the size last acked. Its requests are
/// handled here.
/// </summary>
public sealed class LockSurface : IPlacedRole, IExtSessionLockSurfaceV1Handler
{
    private readonly SessionLockManager _manager;
    /// <summary>Configures sent and not yet acked, oldest first.</summary>
    private readonly List<(uint Serial, int Width, int Height)> _unacked = [];
    private (int Width, int Height)? _acked;
    private (int Width, int Height)? _configured;

    internal LockSurface(SessionLockManager manager, ClientLock lk, ExtSessionLockSurfaceV1 resource, Surface surface, SceneOutput? output)
    {
        _manager = manager;
        Lock = lk;
        Resource = resource;
        Surface = surface;
        Output = output;
    }

    public ClientLock Lock { get; }
    public ExtSessionLockSurfaceV1 Resource { get; }
    public Surface Surface { get; }
    /// <summary>Its output; null for an inert one (the output was gone when it was asked for).</summary>
    public SceneOutput? Output { get; }
    /// <summary>In the scene: committed a buffer while its lock holds the session.</summary>
    public bool IsMapped { get; private set; }
    public int X => Output?.X ?? 0;
    public int Y => Output?.Y ?? 0;
    public SceneLayer Layer => SceneLayer.Lock;

    public string Name => "ext_session_lock_surface_v1";
    public bool HasRoleObject => true;

    /// <summary>Sends a configure with the output's size, when that is not what it was last told.</summary>
    internal void Configure()
    {
        if (Output is null || Resource.IsDestroyed) return;
        var size = (Output.Bounds.Width, Output.Bounds.Height);
        if (_configured == size) return;
        _configured = size;
        var serial = _manager.Server.Display.NextSerial();
        _unacked.Add((serial, size.Width, size.Height));
        Resource.SendConfigure(serial, (uint)size.Width, (uint)size.Height);
    }

    // ---- requests ----

    public void AckConfigure(ExtSessionLockSurfaceV1 resource, uint serial)
    {
        if (Output is null) return; // inert
        var i = _unacked.FindIndex(c => c.Serial == serial);
        if (i < 0)
        {
            resource.PostError(ExtSessionLockSurfaceV1.Error.InvalidSerial, $"{serial} is not the serial of a configure awaiting its ack");
            return;
        }
        _acked = (_unacked[i].Width, _unacked[i].Height);
        _unacked.RemoveRange(0, i + 1);
    }

    public void Destroy(ExtSessionLockSurfaceV1 resource) { }

    // ---- role ----

    public bool PreCommit(Surface surface)
    {
        if (_acked is null)
        {
            Resource.PostError(ExtSessionLockSurfaceV1.Error.CommitBeforeFirstAck, $"{surface} committed before acking its first configure");
            return false;
        }
        // The state this commit makes current: a newly attached buffer, or the one already shown.
        var state = surface.Cached;
        var hasBuffer = (state.Changes & SurfaceChanges.Buffer) != 0 ? state.Buffer is not null : surface.HasContent;
        if (!hasBuffer)
        {
            Resource.PostError(ExtSessionLockSurfaceV1.Error.NullBuffer, $"{surface} committed without a buffer");
            return false;
        }
        return true;
    }

    public void Committed(Surface surface)
    {
        // (The size is known only once the buffer, its scale and viewport are applied.)
        if (_acked is { } acked && (surface.Width, surface.Height) != acked)
        {
            Resource.PostError(ExtSessionLockSurfaceV1.Error.DimensionsMismatch,
                $"{surface} is {surface.Width}x{surface.Height}; the configure acked asked for {acked.Width}x{acked.Height}");
            Hide();
            return;
        }
        Show();
    }

    /// <summary>Into the scene, where its lock holds the session and it has content.</summary>
    internal void Show()
    {
        if (IsMapped || !Surface.HasContent || !_manager.MayShow(this)) return;
        IsMapped = true;
        _manager.Server.Scene.Raise(this);
        _manager.Mapped(this);
    }

    /// <summary>Off the screen (unlocked, its lock or output gone); the session's background shows instead.</summary>
    internal void Hide()
    {
        if (!IsMapped) return;
        IsMapped = false;
        _manager.Server.Scene.Remove(this);
        _manager.Unmapped(this);
    }

    public override string ToString() => Resource.ToString();
}
