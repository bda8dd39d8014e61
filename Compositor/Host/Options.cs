using Compositor.Backends;
using Compositor.Backends.Rendering;
using Serilog.Events;

namespace Compositor;

/// <summary>Command line of the compositor. Everything after "--" is a client to spawn.</summary>
internal sealed record Options(string? Socket, LogEventLevel LogLevel, string[] Command, bool Help)
{
    /// <summary>headless, drm or wayland; null: see <see cref="DefaultBackend"/>.</summary>
    public string? Backend { get; init; }
    /// <summary>Headless output modes, one per --output.</summary>
    public List<OutputMode> Outputs { get; init; } = [];
    /// <summary>Where tests inject input (headless): a Unix socket path.</summary>
    public string? TestInput { get; init; }
    /// <summary>--control-fd: an inherited SOCK_SEQPACKET socket a test suite (WLCS) drives the compositor through.</summary>
    public int? ControlFd { get; init; }
    /// <summary>--max-version caps: interface name → highest version advertised.</summary>
    public Dictionary<string, uint> MaxVersions { get; init; } = [];
    /// <summary>--latest-versions: advertise the core globals above what this system's libwayland-client knows.</summary>
    public bool LatestVersions { get; init; }
    /// <summary>DRM: the card to drive (null: the first with a connected display).</summary>
    /// <summary>The cards to drive (--drm-device, repeatable); empty: the first with a connected display.</summary>
    public IReadOnlyList<string> DrmDevices { get; init; } = [];
    /// <summary>The DRM render node to draw on; null: chosen (see GlesRenderer.Create).</summary>
    public string? RenderNode { get; init; }
    /// <summary>The renderer the backend composites with.</summary>
    public RendererKind Renderer { get; init; }
    /// <summary>Headless: draw every frame instead of only the frames a capture waits for.</summary>
    public bool DrawEveryFrame { get; init; }
    /// <summary>Nested: ask the parent to show the window fullscreen.</summary>
    public bool Fullscreen { get; init; }
    /// <summary>DRM: drive the display with the legacy ioctls even where atomic KMS is offered.</summary>
    public bool LegacyKms { get; init; }
    /// <summary>DRM: composite every frame, never show a client's buffer directly (for comparing the two).</summary>
    public bool NoDirectScanout { get; init; }
    /// <summary>DRM: how devices are opened (--seat auto|libseat|direct).</summary>
    public Backends.Drm.SeatMode Seat { get; init; }
    /// <summary>--config PATH; null: $XDG_CONFIG_HOME/compositor/compositor.ini where it exists.</summary>
    public string? ConfigPath { get; init; }
    /// <summary>--no-xwayland: no X display, no Xwayland.</summary>
    public bool NoXwayland { get; init; }
    /// <summary>--xwayland PATH: the Xwayland to start (default: Xwayland on PATH).</summary>
    public string Xwayland { get; init; } = "Xwayland";
    /// <summary>--version: print it and exit.</summary>
    public bool Version { get; init; }

    public const string Usage = """
        Usage: compositor [options] [-- COMMAND [ARGS...]]

        Starts a Wayland compositor and prints WAYLAND_DISPLAY=<name> on stdout once its socket listens.

        Options:
          --socket NAME     socket name under $XDG_RUNTIME_DIR (or an absolute path); default: first free wayland-N
          --backend NAME    headless, drm (kernel modesetting, on a text console) or wayland (a
                            window in the compositor WAYLAND_DISPLAY names). Default: wayland when
                            WAYLAND_DISPLAY is set, drm when started on a text console with a DRM
                            card, else headless
          --drm-device PATH drm: a card to drive, e.g. /dev/dri/card0; given again, one more card
                            (its screens to the right, drawn by the first card's GPU and shared
                            with it the cheapest way the two take). Default: the first card with
                            a connected display
          --seat MODE       drm: libseat (the devices through seatd or logind, as an ordinary user),
                            direct (open them, as root), or auto (default: libseat unless root)
          --legacy-kms      drm: mode sets and page flips through the legacy ioctls even where the
                            driver offers atomic modesetting (the default there: TEST_ONLY checks
                            before a client buffer is scanned out)
          --no-direct-scanout
                            drm: composite every frame, even a fullscreen client's buffer the display
                            could show as it is (to compare the two)
          --render-node PATH
                            the GPU to draw with, e.g. /dev/dri/renderD128 (default: the display card's
                            own render node if its driver renders, else the first render node that
                            does, else EGL surfaceless: Mesa's llvmpipe)
          --renderer NAME   auto (default: GLES as above; on the drm backend pixman when no GPU renders),
                            gl, or pixman (the CPU, drawing straight into a display's dumb buffers)
          --output WxH[@HZ] a headless output of that mode, e.g. 1280x720@60; repeat for more (default
                            1280x720@60); nested: the window's size
          --fullscreen      nested: ask the parent to show the window fullscreen (the output then
                            takes the size the parent gives it, as on any resize)
          --draw-every-frame
                            headless: draw every frame as a screen would need (for measuring composition);
                            by default only frames a capture (screencopy, e.g. grim) waits for are drawn
          --test-input PATH listen on a Unix socket for injected input (tests): "key 30 press", "type hello",
                            "motion 0 100 200", "button left press", "axis vertical 10"; each line answered ok/error
          --control-fd N    an inherited SOCK_SEQPACKET socket through which a test suite hands over
                            clients, places windows and injects pointer and touch input (WLCS's
                            integration module, tests/Wlcs/); the compositor stops when it closes
          --max-version INTERFACE=N
                            advertise INTERFACE at version N at most (repeatable), for clients that bind
                            the advertised version without handling its newer events, e.g.
                            weston 10's weston-presentation-shm needs --max-version xdg_wm_base=3
                            (it handles only xdg-shell 3's events and aborts on configure_bounds)
          --latest-versions advertise wl_compositor, wl_seat, wl_shm, ... at the versions the
                            compositor implements; by default they are advertised no higher than
                            this system's libwayland-client knows them (Debian 12: wl_compositor 5,
                            wl_seat 8), because clients such as alacritty and weston-simple-damage
                            bind the advertised version and die on events their libwayland lacks
          --no-xwayland     no X11 programs: no X display is opened and Xwayland is never started. By
                            default the compositor takes the first free X display (printed as
                            DISPLAY=:N after the WAYLAND_DISPLAY line, and set for the programs it
                            starts) and starts rootless Xwayland when the first X client connects
          --xwayland PATH   the Xwayland to start (default: Xwayland on PATH, Debian's package xwayland)
          --config PATH     the config file (default: $XDG_CONFIG_HOME/compositor/compositor.ini, or
                            ~/.config/compositor/compositor.ini, where it exists; docs/config.md)
          --log-level LEVEL verbose, debug, information (default), warning, error
          -v, --verbose     same as --log-level debug
          --version         print the version and exit
          -h, --help        this text

        With "-- COMMAND", the command runs with WAYLAND_DISPLAY set and the compositor exits when it
        exits, with its exit code.

        Environment:
          WAYLAND_DEBUG=1|server|client  trace protocol messages on stderr, in libwayland's format
          XDG_RUNTIME_DIR                directory of the socket (required)
          XKB_DEFAULT_LAYOUT, _VARIANT, _OPTIONS, _MODEL, _RULES
                                         the keyboard layout where the config sets none
          XCURSOR_THEME, XCURSOR_SIZE    the pointer's theme and size where the config sets none
        """;

    /// <summary>The backend when none is named: a window in the compositor we run under, the
    /// display when started on a text console with a DRM card, else headless.</summary>
    public static string DefaultBackend()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("WAYLAND_DISPLAY"))) return "wayland";
        if (Directory.Exists("/dev/dri") && Directory.GetFiles("/dev/dri", "card*").Length > 0
            && Backends.Drm.VirtualTerminal.IsConsole(0)) return "drm";
        return "headless";
    }

    public static Options Parse(string[] args)
    {
        string? socket = null;
        string? backend = null;
        string? testInput = null;
        int? controlFd = null;
        var outputs = new List<OutputMode>();
        var caps = new Dictionary<string, uint>();
        var latestVersions = false;
        var level = LogEventLevel.Information;
        var help = false;
        var version = false;
        string? configPath = null;
        var seat = Backends.Drm.SeatMode.Auto;
        var drawEveryFrame = false;
        var fullscreen = false;
        var legacyKms = false;
        var noDirectScanout = false;
        var noXwayland = false;
        var xwayland = "Xwayland";
        var drmDevices = new List<string>();
        string? renderNode = null;
        var renderer = RendererKind.Auto;
        string[] command = [];
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--":
                    // The rest is the command to run.
                    command = args[(i + 1)..];
                    i = args.Length;
                    break;
                case "--backend":
                    backend = Value(args, ref i);
                    if (backend is not ("headless" or "drm" or "wayland"))
                        throw new ArgumentException($"unknown backend '{backend}' (headless, drm or wayland)");
                    break;
                case "--output":
                    outputs.Add(OutputMode.Parse(Value(args, ref i)));
                    break;
                case "--max-version":
                    var cap = Value(args, ref i);
                    var eq = cap.IndexOf('=');
                    if (eq <= 0 || !uint.TryParse(cap.AsSpan(eq + 1), out var n) || n == 0)
                        throw new ArgumentException($"--max-version wants INTERFACE=N with N >= 1, not '{cap}'");
                    caps[cap[..eq]] = n;
                    break;
                case "--latest-versions":
                    latestVersions = true;
                    break;
                case "--drm-device":
                    drmDevices.Add(Value(args, ref i));
                    break;
                case "--render-node":
                    renderNode = Value(args, ref i);
                    break;
                case "--renderer":
                    var name = Value(args, ref i);
                    renderer = name switch
                    {
                        "auto" => RendererKind.Auto,
                        "gl" => RendererKind.Gl,
                        "pixman" => RendererKind.Pixman,
                        _ => throw new ArgumentException($"unknown renderer '{name}' (auto, gl or pixman)"),
                    };
                    break;
                case "--draw-every-frame":
                    drawEveryFrame = true;
                    break;
                case "--legacy-kms":
                    legacyKms = true;
                    break;
                case "--no-direct-scanout":
                    noDirectScanout = true;
                    break;
                case "--fullscreen":
                    fullscreen = true;
                    break;
                case "--no-xwayland":
                    noXwayland = true;
                    break;
                case "--xwayland":
                    xwayland = Value(args, ref i);
                    break;
                case "--test-input":
                    testInput = Value(args, ref i);
                    break;
                case "--control-fd":
                    var fdText = Value(args, ref i);
                    if (!int.TryParse(fdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var fd) || fd < 3)
                        throw new ArgumentException($"--control-fd takes an inherited fd number (3 or more), not '{fdText}'");
                    controlFd = fd;
                    break;
                case "--socket":
                    socket = Value(args, ref i);
                    break;
                case "--log-level":
                    var v = Value(args, ref i);
                    if (!Enum.TryParse(v, ignoreCase: true, out level))
                        throw new ArgumentException($"unknown log level '{v}'");
                    break;
                case "-v" or "--verbose":
                    level = LogEventLevel.Debug;
                    break;
                case "--seat":
                    var seatName = Value(args, ref i);
                    seat = seatName switch
                    {
                        "auto" => Backends.Drm.SeatMode.Auto,
                        "libseat" => Backends.Drm.SeatMode.Libseat,
                        "direct" => Backends.Drm.SeatMode.Direct,
                        _ => throw new ArgumentException($"unknown seat mode '{seatName}' (auto, libseat or direct)"),
                    };
                    break;
                case "--config":
                    configPath = Value(args, ref i);
                    break;
                case "--version":
                    version = true;
                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return Checked(new Options(socket, level, command, help) { Backend = backend, Outputs = outputs, TestInput = testInput, ControlFd = controlFd, MaxVersions = caps, LatestVersions = latestVersions, DrawEveryFrame = drawEveryFrame, Fullscreen = fullscreen, LegacyKms = legacyKms, NoDirectScanout = noDirectScanout, DrmDevices = drmDevices, RenderNode = renderNode, Renderer = renderer, ConfigPath = configPath, Version = version, Seat = seat, NoXwayland = noXwayland, Xwayland = xwayland });
    }

    /// <summary>Refuses options that contradict each other.</summary>
    private static Options Checked(Options o)
    {
        if (o.Renderer == RendererKind.Pixman && o.RenderNode is not null)
            throw new ArgumentException("--render-node names a GPU for the GL renderer; pixman renders on the CPU");
        return o;
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length) throw new ArgumentException($"{args[i]} needs a value");
        return args[++i];
    }
}
