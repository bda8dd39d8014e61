using Compositor.Dmabuf;
using Wayland.Protocols.Server;

namespace Compositor.Surfaces;

/// <summary>
/// A surface's commits that wait for their DMA-BUFs (implicit sync), in commit order: the head waits
/// until its buffer, and the buffers of the synchronized subsurfaces it applies, can be read; the
/// commits behind it wait their turn, so one surface's states never overtake each other, while other
/// surfaces and other clients go on. Made at a surface's first waiting commit; its states are kept
/// for reuse, so a GPU client whose every commit waits allocates nothing per frame.
/// </summary>
/// <remarks>
/// What the queue holds is the wl_surface state. A role's own pending state (xdg_surface's window
/// geometry and acked configure, xdg_toplevel's size limits) is still read when the commit applies,
/// so a client that changes it again while a commit waits has the newer values applied with it.
/// </remarks>
internal sealed class CommitQueue(Surface surface, DmaBufReadiness readiness) : IReadinessWaiter
{
    private readonly Queue<SurfaceState> _queue = new();
    private readonly Stack<SurfaceState> _spare = new();
    private int _wait = -1;

    public bool IsEmpty => _queue.Count == 0;

    /// <summary>Queues <paramref name="pending"/> behind the commits already waiting.</summary>
    public void Add(SurfaceState pending)
    {
        var state = _spare.Count > 0 ? _spare.Pop() : new SurfaceState();
        pending.MoveTo(state);
        _queue.Enqueue(state);
    }

    /// <summary>Queues <paramref name="pending"/> as the head, waiting on <paramref name="fence"/>
    /// (now the queue's), which its caller found unsignalled.</summary>
    public void AddWaiting(SurfaceState pending, int fence)
    {
        Add(pending);
        _wait = readiness.Wait(fence, this);
        if (_wait < 0) Drain();
    }

    /// <summary>Applies the commits at the head whose buffers can be read, in order, and waits for
    /// the first whose buffers cannot.</summary>
    private void Drain()
    {
        while (_wait < 0 && !surface.IsDestroyed && _queue.TryPeek(out var head))
        {
            var fence = surface.FirstUnready(head);
            if (fence >= 0 && (_wait = readiness.Wait(fence, this)) >= 0) return;
            _queue.Dequeue();
            surface.ApplyQueued(head);
            _spare.Push(head);
        }
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
        foreach (var state in _queue) state.Forget(callback);
    }

    public void Forget(WpPresentationFeedback feedback)
    {
        foreach (var state in _queue) state.Forget(feedback);
    }

    /// <summary>The surface is gone: its waiting commits are never shown.</summary>
    public void Discard()
    {
        readiness.Cancel(_wait);
        _wait = -1;
        while (_queue.TryDequeue(out var state)) state.DiscardAll();
        _spare.Clear();
    }
}
