using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.Idle;

/// <summary>
/// zwp_idle_inhibit_manager_v1 and zwp_idle_inhibitor_v1: while a surface with an inhibitor is
/// visible (shown on an output), idle notifications that obey inhibitors do not fire
/// (<see cref="IdleNotifier"/>). An inhibitor whose surface is destroyed is inert. The protocol
/// defines no errors. Requests of both interfaces are handled here.
/// </summary>
public sealed class IdleInhibitors : IZwpIdleInhibitManagerV1Handler
{
    public const uint Version = 1;

    private readonly List<Inhibitor> _inhibitors = [];

    public IdleInhibitors(Wayland.Server.Display display) =>
        display.CreateGlobal<ZwpIdleInhibitManagerV1>(Version, r => r.Handler = this);

    /// <summary>An inhibitor went away (destroyed, or its surface was): idleness may start counting.</summary>
    public event Action? Released;

    /// <summary>Whether some inhibitor's surface is on screen now.</summary>
    public bool Active
    {
        get
        {
            foreach (var i in _inhibitors)
                if (i.Surface is { IsDestroyed: false, Outputs: not 0, HasContent: true }) return true;
            return false;
        }
    }

    private sealed class Inhibitor(Surface surface) : IZwpIdleInhibitorV1Handler
    {
        public Surface Surface { get; } = surface;
        public void Destroy(ZwpIdleInhibitorV1 resource) { }
    }

    public void Destroy(ZwpIdleInhibitManagerV1 resource) { }

    public void CreateInhibitor(ZwpIdleInhibitManagerV1 resource, ZwpIdleInhibitorV1 id, WlSurface surface)
    {
        var s = (Surface)surface.Data!;
        var inhibitor = new Inhibitor(s);
        id.Handler = inhibitor;
        _inhibitors.Add(inhibitor);
        void Remove()
        {
            if (_inhibitors.Remove(inhibitor)) Released?.Invoke();
        }
        id.Destroyed += _ => Remove();
        s.Destroyed += _ => Remove();
    }
}
