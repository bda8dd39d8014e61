using Compositor.Buffers;
using Compositor.Dmabuf;
using Serilog;
using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>
/// A surface's commits that wait, in commit order: for their DMA-BUFs (implicit sync: the head waits
/// until its buffer, and the buffers of the synchronized subsurfaces it applies, can be read), or,
/// for a synchronized subsurface, for the waiting commits of the ancestor that applies it (its state
/// belongs to that ancestor's next commit, not to one already queued). The commits behind the head
/// wait their turn, so one surface's states never overtake each other, while other surfaces and
/// other clients go on. A queued commit holds its buffer, so a client destroying it early does not
/// free it under the commit. Made at a surface's first waiting commit; its states are kept for
/// reuse, so a GPU client whose every commit waits allocates nothing per frame.
/// </summary>
/// <remarks>
/// What the queue holds is the wl_surface state. A role's own pending state (xdg_surface's window
/// geometry and acked configure, xdg_toplevel's size limits) is still read when the commit applies,
/// so a client that changes it again while a commit waits has the newer values applied with it.
/// </remarks>
internal sealed class CommitQueue(Surface surface, DmaBufReadiness readiness, ILogger log) : IReadinessWaiter
{
    private struct Entry
    {
        public SurfaceState State;
        /// <summary>For a synchronized subsurface: the ancestor whose queued commits come first, and
        /// how many of them must have applied (its <see cref="Applied"/> count).</summary>
        public CommitQueue? After;
        public long AfterApplied;
    }

    private readonly Queue<Entry> _queue = new();
    private readonly Stack<SurfaceState> _spare = new();
    private int _wait = -1;

    public bool IsEmpty => _queue.Count == 0;
    public Surface Surface => surface;
    /// <summary>Commits added and applied so far (for the subsurfaces that queue after them).</summary>
    public long Added { get; private set; }
    public long Applied { get; private set; }

    /// <summary>Queues <paramref name="pending"/> behind the commits already waiting; for a
    /// synchronized subsurface, also behind the commits <paramref name="after"/> has queued now.</summary>
    public void Add(SurfaceState pending, CommitQueue? after = null)
    {
        var afterApplied = after?.Added ?? 0;
        var buffer = (pending.Changes & SurfaceChanges.Buffer) != 0 ? pending.Buffer : null;
        if (_queue.Count >= MaxWaiting && _last is { } last && _lastAfter == after && _lastAfterApplied == afterApplied)
        {
            // A client committing on and on behind a fence that does not signal (a hung GPU job) is
            // not given memory without end: its newest commits merge, as commits into one cached
            // state do, and a buffer replaced unseen goes back to it.
            buffer?.Lock(); // first: the buffer may be the one it replaces
            if ((pending.Changes & SurfaceChanges.Buffer) != 0 && (last.Changes & SurfaceChanges.Buffer) != 0)
            {
                last.Buffer?.Unlock();
                last.Buffer = null;
                last.Changes &= ~SurfaceChanges.Buffer;
            }
            pending.MoveTo(last);
            return;
        }
        var state = _spare.Count > 0 ? _spare.Pop() : new SurfaceState();
        pending.MoveTo(state);
        buffer?.Lock();
        _queue.Enqueue(new Entry { State = state, After = after, AfterApplied = afterApplied });
        (_last, _lastAfter, _lastAfterApplied) = (state, after, afterApplied);
        Added++;
    }

    /// <summary>Commits kept apart at most; more merge into the newest.</summary>
    internal const int MaxWaiting = 16;

    // The newest queued state, while it waits, and what it waits after.
    private SurfaceState? _last;
    private CommitQueue? _lastAfter;
    private long _lastAfterApplied;

    /// <summary>Queues <paramref name="pending"/> as the head, waiting on <paramref name="fence"/>
    /// (now the queue's), which its caller found unsignalled.</summary>
    public void AddWaiting(SurfaceState pending, int fence)
    {
        Add(pending);
        _wait = readiness.Wait(fence, this);
        if (_wait < 0) Drain();
    }

    /// <summary>Applies the commits at the head that may go, in order, and waits for the first whose
    /// buffers cannot be read yet.</summary>
    public void Drain()
    {
        while (_wait < 0 && !surface.IsDestroyed && _queue.TryPeek(out var head))
        {
            // A subsurface's commit waits for the ancestor commits queued before it, which drain it.
            if (head.After is { } after && after.Applied < head.AfterApplied && !after.Surface.IsDestroyed) return;
            // A synchronized subsurface's buffer is waited for by the ancestor commit that applies it.
            var fence = surface.IsSynchronized ? -1 : surface.FirstUnready(head.State);
            if (fence >= 0 && (_wait = readiness.Wait(fence, this)) >= 0) return;
            _queue.Dequeue();
            if (head.State == _last) _last = null;
            var buffer = (head.State.Changes & SurfaceChanges.Buffer) != 0 ? head.State.Buffer : null;
            try
            {
                surface.ApplyQueued(head.State);
            }
            catch (Exception e)
            {
                // On the loop's own path (a fence signalled) nothing else would catch it: the client
                // is told, and the compositor goes on.
                log.Error(e, "Applying a waiting commit of {Surface} failed", surface);
                surface.Resource.Client.PostImplementationError($"compositor failed applying a commit of {surface.Resource}");
                Release(buffer, surface.Cached);
                _spare.Push(head.State);
                Discard();
                return;
            }
            Release(buffer, surface.Cached);
            _spare.Push(head.State);
            Applied++;
            // Subsurface commits that came after this one now go into the cached state, in time for
            // the ancestor's next commit.
            surface.DrainSyncChildren();
        }
    }

    /// <summary>The queue's hold on a commit's buffer goes once the commit applied: the surface holds
    /// it now if it shows it. One left in the cached state (a synchronized subsurface's, waiting for
    /// its parent) is not given back for that: the cached state gives it back if it is replaced.</summary>
    private static void Release(ClientBuffer? buffer, SurfaceState cached)
    {
        if (buffer is null) return;
        if ((cached.Changes & SurfaceChanges.Buffer) != 0 && cached.Buffer == buffer) buffer.UnlockQuietly();
        else buffer.Unlock();
    }

    /// <summary>The awaited buffer can be read: the head is checked again (a synchronized child may
    /// have committed another buffer meanwhile) and applied.</summary>
    public void Readable()
    {
        _wait = -1;
        Drain();
    }

    public void Forget(WlCallback callback)
    {
        foreach (var entry in _queue) entry.State.Forget(callback);
    }

    public void Forget(WpPresentationFeedback feedback)
    {
        foreach (var entry in _queue) entry.State.Forget(feedback);
    }

    /// <summary>The surface is gone: its waiting commits are never shown, their buffers go back.</summary>
    public void Discard()
    {
        readiness.Cancel(_wait);
        _wait = -1;
        _last = null;
        while (_queue.TryDequeue(out var entry))
        {
            if ((entry.State.Changes & SurfaceChanges.Buffer) != 0) entry.State.Buffer?.Unlock();
            entry.State.DiscardAll();
        }
        _spare.Clear();
    }
}
