using System.Diagnostics;
using System.Runtime.InteropServices;
using Compositor;
using Compositor.Backends;
using Compositor.Backends.Drm;
using Compositor.Backends.Headless;
using Compositor.Backends.Nested;
using Compositor.Backends.Native;
using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Events;
using Wayland.Server;

Options options;
try
{
    options = Options.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"compositor: {e.Message}\n\n{Options.Usage}");
    return 2;
}
if (options.Help)
{
    Console.WriteLine(Options.Usage);
    return 0;
}
if (options.Version)
{
    Console.WriteLine($"compositor {BuildInfo.Version}");
    return 0;
}

// stdout carries only the WAYLAND_DISPLAY line, so scripts can read it; logs go to stderr.
Log.Logger = new LoggerConfiguration()
    .MinimumLevel.Is(options.LogLevel)
    .WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose,
        outputTemplate: "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Message:lj}{NewLine}{Exception}")
    .CreateLogger();

try
{
    Log.Information("compositor {Version}", BuildInfo.Version);
    // Read before anything starts: a broken line is logged and its default kept, never fatal.
    var config = Compositor.Config.CompositorConfig.Load(options.ConfigPath, Log.Logger);
    using var loop = new EventLoop(Log.Logger);
    using var display = new Display(loop, Log.Logger);
    display.MaxVersions = AdvertisedCaps(options);
    var backendName = options.Backend ?? Options.DefaultBackend();
    IBackend backend;
    try
    {
        var size = options.Outputs.Count > 0 ? options.Outputs[0] : OutputMode.Default;
        backend = backendName switch
        {
            "drm" => new DrmBackend(loop, options.DrmDevices, Log.Logger, options.RenderNode, options.Renderer, atomic: !options.LegacyKms, directScanout: !options.NoDirectScanout,
                seat: options.Seat, modeFor: name => config.Outputs.TryGetValue(name, out var o) ? o.Mode : null),
            "wayland" => new NestedBackend(loop, null, size.Width, size.Height, Log.Logger, options.RenderNode, options.Renderer, options.Fullscreen),
            _ => new HeadlessBackend(loop, options.Outputs, Log.Logger, options.DrawEveryFrame, options.RenderNode, options.Renderer),
        };
    }
    catch (Exception e) when (e is EglException or DllNotFoundException)
    {
        // A render node the user named that does not render is their choice to fix; anything else
        // usually means Mesa is missing or too old.
        if (options.RenderNode is not null && e is EglException) Log.Fatal("Cannot start the renderer: {Message}", e.Message);
        else if (options.Renderer == RendererKind.Pixman) Log.Fatal("Cannot start the renderer: {Message} (scripts/setup.sh installs libpixman-1-0)", e.Message);
        else Log.Fatal("Cannot start the renderer: {Message} (scripts/setup.sh installs Mesa 25)", e.Message);
        return 1;
    }
    catch (DrmBackendException e)
    {
        Log.Fatal("Cannot use DRM/KMS: {Message}", e.Message);
        return 1;
    }
    catch (NestedBackendException e)
    {
        Log.Fatal("Cannot run nested: {Message}", e.Message);
        return 1;
    }
    using var _ = backend;
    backend.QuitRequested += () =>
    {
        Log.Information("Quit requested from the keyboard");
        loop.Stop();
    };
    using var server = new CompositorServer(loop, display, backend, Log.Logger, config);
    server.QuitRequested += () =>
    {
        Log.Information("Quit requested from the keyboard");
        loop.Stop();
    };
    try
    {
        server.Start();
    }
    catch (Exception e) when (e is DrmBackendException or IOException)
    {
        Log.Fatal("Cannot light the displays: {Message}", e.Message);
        return 1;
    }
    using var testInput = options.TestInput is { } path
        ? new TestInputSocket(loop, path, server.Seat, () => backend.Outputs, Log.Logger)
        : null;
    string name;
    try
    {
        name = display.AddSocket(options.Socket);
    }
    catch (WaylandSocketException e)
    {
        Log.Fatal("{Message}", e.Message);
        return 1;
    }
    Console.Out.WriteLine($"WAYLAND_DISPLAY={name}");
    using var xwayland = options.NoXwayland ? null : Compositor.Xwayland.XwaylandServer.Create(server, options.Xwayland);
    if (xwayland is not null)
    {
        ClientLauncher.XDisplay = xwayland.DisplayName;
        Console.Out.WriteLine($"DISPLAY={xwayland.DisplayName}");
    }
    Console.Out.Flush();
    using var control = options.ControlFd is { } controlFd
        ? new Compositor.Testing.ControlSocket(server, controlFd, loop.Stop, Log.Logger)
        : null;
    control?.SendReady();

    var exitCode = 0;
    // .NET's runtime owns signal delivery (a signalfd would need the signal blocked in every thread),
    // so termination requests come through PosixSignalRegistration and wake the loop.
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Shutdown);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Shutdown);
    void Shutdown(PosixSignalContext context)
    {
        context.Cancel = true;
        Log.Information("{Signal}: shutting down", context.Signal);
        loop.Stop();
    }

    // Programs a binding launches live on their own: their exit is only logged.
    server.LaunchRequested += commandLine =>
    {
        try
        {
            var launched = ClientLauncher.Start(["/bin/sh", "-c", commandLine], name, server.Activation.CreateLaunchToken());
            Log.Information("Launched {Command} (pid {Pid})", commandLine, launched.Id);
            launched.Exited += (_, _) =>
            {
                Log.Debug("{Command} exited with {Code}", commandLine, launched.ExitCode);
                launched.Dispose();
            };
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Log.Error("Cannot launch {Command}: {Message}", commandLine, e.Message);
        }
    };

    // The input method (weston's way): its own connection, the one client that sees zwp_input_method_v1.
    if (config.InputMethodPath is { } inputMethod)
    {
        var fd = server.TextInputV1.ConnectInputMethod();
        try
        {
            var launched = ClientLauncher.Start([inputMethod], name, waylandSocket: fd);
            Log.Information("Input method {Path} (pid {Pid})", inputMethod, launched.Id);
            launched.Exited += (_, _) =>
            {
                Log.Warning("Input method {Path} exited with {Code}", inputMethod, launched.ExitCode);
                launched.Dispose();
            };
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            Log.Error("Cannot start the input method {Path}: {Message}", inputMethod, e.Message);
        }
        finally
        {
            Tmds.Linux.LibC.close(fd);
        }
    }

    Process? child = null;
    if (options.Command.Length > 0)
    {
        child = ClientLauncher.Start(options.Command, name, server.Activation.CreateLaunchToken());
        Log.Information("Started {Command} (pid {Pid})", string.Join(' ', options.Command), child.Id);
        child.Exited += (_, _) => loop.Stop();
        if (child.HasExited) loop.Stop();
    }

    loop.Run();

    if (child is not null)
    {
        if (!child.HasExited)
        {
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        exitCode = child.ExitCode;
        Log.Information("{Command} exited with {Code}", options.Command[0], exitCode);
    }
    return exitCode;
}
finally
{
    Log.CloseAndFlush();
}

/// <summary>What --max-version asks, plus, unless --latest-versions, the core versions this system's
/// libwayland-client knows (<see cref="PlatformVersions"/>); the lowered ones are logged once.</summary>
static Dictionary<string, uint> AdvertisedCaps(Options options)
{
    if (options.LatestVersions) return options.MaxVersions;
    var platform = PlatformVersions.Read();
    var lowered = new List<string>();
    foreach (var (name, version) in platform)
        if (version < PlatformVersions.Implemented(name)) lowered.Add($"{name} {version}");
    if (lowered.Count > 0)
        Log.Information("Advertising {Lowered}: the versions this system's libwayland-client knows (--latest-versions advertises newer ones)",
            string.Join(", ", lowered));
    return PlatformVersions.Caps(platform, options.MaxVersions);
}
