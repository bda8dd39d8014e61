using Compositor.Scene;
using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.SessionLock;

/// <summary>
/// ext_session_lock_v1: one client's request to lock. It ends as exactly one of: finished (refused),
/// locked then unlocked by unlock_and_destroy, or abandoned (destroyed or its client gone without
/// unlocking, which leaves the session locked). Its requests are handled here.
/// </summary>
public sealed class ClientLock : IExtSessionLockV1Handler
{
    private readonly SessionLockManager _manager;

    internal ClientLock(SessionLockManager manager, ExtSessionLockV1 resource)
    {
        _manager = manager;
        Resource = resource;
    }

    public ExtSessionLockV1 Resource { get; }
    /// <summary>Sent locked: only unlock_and_destroy may end it now.</summary>
    public bool SentLocked { get; private set; }
    /// <summary>Sent finished: it will never lock, and its lock surfaces are never shown.</summary>
    public bool SentFinished { get; private set; }

    internal void SendLocked()
    {
        if (SentLocked || SentFinished || Resource.IsDestroyed) return;
        SentLocked = true;
        _manager.Server.Log.Information("Session lock: {Lock} told locked", Resource);
        Resource.SendLocked();
    }

    internal void Finish()
    {
        if (SentFinished) return;
        SentFinished = true;
        Resource.SendFinished();
    }

    public void Destroy(ExtSessionLockV1 resource)
    {
        // (The manager hears the destruction itself and keeps the session locked.)
        if (SentLocked)
            resource.PostError(ExtSessionLockV1.Error.InvalidDestroy, $"{resource} was told locked: it must be ended by unlock_and_destroy");
    }

    public void UnlockAndDestroy(ExtSessionLockV1 resource)
    {
        if (!SentLocked)
        {
            resource.PostError(ExtSessionLockV1.Error.InvalidUnlock, $"{resource} was never told locked: it must be ended by destroy");
            return;
        }
        _manager.Unlock(this);
    }

    public void GetLockSurface(ExtSessionLockV1 resource, ExtSessionLockSurfaceV1 id, WlSurface surface, WlOutput output)
    {
        var s = (Surface)surface.Data!;
        var sceneOutput = output.Data as SceneOutput;
        var lockSurface = new LockSurface(_manager, this, id, s, sceneOutput);
        id.Handler = lockSurface;
        // An output that went away as the request crossed its removal: an inert object, as wlroots
        // makes it (no configure, its surface keeps no role), which the client destroys when it sees the global go.
        if (sceneOutput is null) return;
        if (!s.TrySetRole(lockSurface, resource, (uint)ExtSessionLockV1.Error.Role)) return;
        id.Destroyed += _ =>
        {
            _manager.Remove(lockSurface);
            s.ClearRole(lockSurface);
        };
        if (s.HasContent || s.Pending.Buffer is not null)
        {
            resource.PostError(ExtSessionLockV1.Error.AlreadyConstructed, $"{surface} already has a buffer attached or committed");
            return;
        }
        if (_manager.SurfaceOf(this, sceneOutput) is { } existing)
        {
            resource.PostError(ExtSessionLockV1.Error.DuplicateOutput, $"{output} already has the lock surface {existing.Resource}");
            return;
        }
        _manager.Add(lockSurface);
        lockSurface.Configure();
    }
}
