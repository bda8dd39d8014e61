using Serilog;
using Wayland.Protocols.Server;

namespace Compositor.Shell;

/// <summary>
/// The desktop shell: the xdg_wm_base global (v6) and zxdg_decoration_manager_v1, and the window
/// manager that places, stacks and focuses what they create.
/// </summary>
public sealed class XdgShell
{
    public const uint WmBaseVersion = 6;

    public XdgShell(CompositorServer server)
    {
        Server = server;
        Log = server.Log.ForContext<XdgShell>();
        Windows = new WindowManager(server);
        Pings = new PingTimers(server.Loop, TimeSpan.FromSeconds(5));
        server.Display.CreateGlobal<XdgWmBase>(WmBaseVersion, r => _ = new WmBase(this, r));
        server.Display.CreateGlobal<ZxdgDecorationManagerV1>(Decoration.Version, r => r.Handler = Decoration.Manager);
    }

    public CompositorServer Server { get; }
    public ILogger Log { get; }
    public WindowManager Windows { get; }
    internal PingTimers Pings { get; }

    /// <summary>How long a client has to answer xdg_wm_base.ping before it is called unresponsive
    /// (5 s, as in weston; tests shorten it).</summary>
    public TimeSpan PingTimeout
    {
        get => Pings.Timeout;
        set => Pings.Timeout = value;
    }
}
