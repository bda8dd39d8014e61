using System.Diagnostics;
using System.Text;
using Clients.Common;
using Compositor.Backends.Drm;
using DmabufClient.Allocators;
using static Tmds.Linux.LibC;

namespace VmChecks;

/// <summary>
/// Checks run inside the VM, where the kernel has DRM devices: GEM handle reference counting on
/// vgem, and the DMA-BUF client's real allocators (vgem dumb buffers exported with PRIME, udmabuf,
/// the system DMA heap) composited by the compositor and checked by pixels through grim.
/// Usage: vm-checks gem-handles | vm-checks dmabuf ALLOCATOR FORMAT
/// </summary>
internal static partial class Program
{
    private static int Main(string[] args)
    {
        var name = string.Join(' ', args);
        try
        {
            var detail = args switch
            {
                ["gem-handles"] => GemHandles(),
                ["dmabuf", var allocator, var format] => Dmabuf(allocator, format, drm: false),
                ["drm", var allocator, var format] => Dmabuf(allocator, format, drm: true),
                ["drm-legacy", var allocator, var format] => Dmabuf(allocator, format, drm: true, legacyKms: true),
                ["drm-input"] => DrmInput(),
                ["drm-console"] => DrmConsole(),
                ["drm-vt-switch"] => DrmVtSwitch(),
                ["drm-scanout"] => DrmScanout(),
                ["drm-xwayland"] => DrmXwayland(),
                ["drm-cursor-plane"] => DrmCursorPlane(),
                ["drm-seat"] => DrmSeat(),
                ["drm-hotplug"] => DrmHotplug(),
                ["drm-input-hotplug"] => DrmInputHotplug(),
                ["implicit-sync"] => ImplicitSync(),
                ["explicit-sync"] => ExplicitSync(),
                ["bench-drm"] => BenchDrm(),
                ["bench-cpu"] => BenchCpu(),
                ["bench-gpu"] => BenchGpu(),
                ["bench-gpu", var only] => BenchGpu(only),
                ["bench-scanout"] => BenchScanout(),
                ["gpu-devices"] => GpuDevices(),
                ["gpu-drm-screen"] => GpuDrmScreen(),
                ["gpu-egl-client"] => GpuEglClient(),
                ["gpu-dmabuf-clients"] => GpuDmabufClients(),
                ["gpu-gl-apps"] => GpuGlApps(),
                ["gpu-feedback-scanout"] => GpuFeedbackScanout(),
                ["gpu-nested"] => GpuNested(),
                ["gpu-two-cards"] => GpuTwoCards(),
                ["gpu-direct-scanout"] => GpuDirectScanout(),
                ["refused", var allocator, var format] => Refused(allocator, format),
                _ => throw new ArgumentException("usage: vm-checks gem-handles | drm-input | drm-console | drm-vt-switch | drm-scanout | drm-xwayland | drm-seat | drm-hotplug | drm-input-hotplug | implicit-sync | bench-drm | bench-cpu | bench-gpu | bench-scanout | gpu-devices | gpu-drm-screen | gpu-egl-client | gpu-dmabuf-clients | gpu-gl-apps | gpu-feedback-scanout | gpu-nested | gpu-direct-scanout | dmabuf|drm|drm-legacy|refused ALLOCATOR FORMAT"),
            };
            Console.WriteLine($"VM-CHECK ok {name}: {detail}");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"VM-CHECK FAIL {name}: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Two imports of one vgem buffer on another DRM file give one handle; after one release it is
    /// still valid, after the second it is closed. (Exporter and importer are separate opens of the
    /// device, as a client and the compositor would be.)
    /// </summary>
    private static string GemHandles()
    {
        var vgem = DumbAllocator.Candidates().FirstOrDefault() ?? throw new InvalidOperationException("no DRM device");
        using var exporter = new DumbAllocator(vgem);
        using var buffer = exporter.Allocate(64, 64, Formats.Xrgb8888);
        var fd = buffer.Planes[0].Fd;

        var importer = Open(vgem);
        try
        {
            var table = new GemHandleTable(importer);
            Check(table.TryAcquire(fd, out var first, out var error), $"PRIME_FD_TO_HANDLE failed: errno {error}");
            Check(table.TryAcquire(fd, out var second, out error), $"second PRIME_FD_TO_HANDLE failed: errno {error}");
            Check(first == second, $"two imports gave handles {first} and {second}");
            Check(table.References[first] == 2, "two imports are not two references");
            table.Release(first);
            Check(IsOpen(importer, first), $"handle {first} was closed while a user remained");
            table.Release(second);
            Check(!IsOpen(importer, first), $"handle {first} is still open after its last user");
            return $"{vgem}: handle {first} shared by 2 imports, valid after one release, closed after the last";
        }
        finally
        {
            close(importer);
        }
    }

    /// <summary>Whether a GEM handle is alive on a DRM file: exporting it again works only then.</summary>
    private static bool IsOpen(int drm, uint handle)
    {
        var prime = new Compositor.Backends.Native.DrmIoctl.PrimeHandle { Handle = handle, Flags = Compositor.Backends.Native.DrmIoctl.Cloexec };
        if (Compositor.Backends.Native.DrmIoctl.Ioctl(drm, Compositor.Backends.Native.DrmIoctl.IoctlPrimeHandleToFd, ref prime) != 0) return false;
        close(prime.Fd);
        return true;
    }

    private static unsafe int Open(string path)
    {
        var bytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            var fd = open(p, O_RDWR | O_CLOEXEC);
            return fd >= 0 ? fd : throw new IOException($"cannot open {path}");
        }
    }

    /// <summary>
    /// The compositor (headless, or with <paramref name="drm"/> on the virtio-gpu card through KMS;
    /// llvmpipe either way) and dmabuf-client with a real allocator: the window must show frame 0 of
    /// the pattern exactly (NV12 within YUV rounding). On DRM the guest then asks the harness for a
    /// screendump of what the virtual display shows (checked on the host), and presentation feedback
    /// must come from the page flips.
    /// </summary>
    private static string Dmabuf(string allocator, string format, bool drm, bool legacyKms = false)
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        var kms = Environment.GetEnvironmentVariable("KMS_DEVICE");
        if (drm && kms is null) throw new InvalidOperationException("the guest script names no KMS card (KMS_DEVICE)");
        string[] backend = drm ? ["--backend", "drm", "--drm-device", kms!, .. legacyKms ? (string[])["--legacy-kms"] : []]
                               : ["--backend", "headless", "--output", "640x480@60"];
        return WithCompositor([.. backend, "-v"], env, (compositor, log) =>
        {
            // GBM needs a device with a GBM driver: the guest script names the virtio-gpu card.
            string[] device = allocator == "gbm" && Environment.GetEnvironmentVariable("GBM_DEVICE") is { } d ? ["--device", d] : [];
            using var client = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", allocator, "--format", format, "--static", .. device], env);
            try
            {
                var bottomRight = format == "argb8888" ? ((byte)153, (byte)153, (byte)153) : ((byte)255, (byte)255, (byte)255);
                var tolerance = format == "nv12" ? 2 : 0;
                WaitForFrame0(runtime, env, client, bottomRight, tolerance, TimeSpan.FromSeconds(120));
                var shown = $"frame 0 exact{(tolerance > 0 ? $" within {tolerance}" : "")} in the screenshot";
                if (!drm) return shown;
                // Atomic commits where the driver has them (virtio-gpu has), legacy ioctls when asked.
                var kmsLine = log().Split('\n').FirstOrDefault(l => l.Contains(" KMS", StringComparison.Ordinal))?.Trim() ?? "no KMS line logged";
                Check(legacyKms ? kmsLine.Contains("legacy KMS (--legacy-kms)", StringComparison.Ordinal) : kmsLine.Contains("atomic KMS:", StringComparison.Ordinal),
                    $"the output does not drive the display as asked: {kmsLine}");
                // The harness takes the screendump while the window is still up.
                if (!legacyKms)
                {
                    Screendump($"drm-{allocator}-{format}");
                }
                var presented = PresentationOnFlips(env);
                // Drawn straight into what is scanned out: by the GPU where one renders (virgl), else by
                // pixman into the dumb buffers; never offscreen and copied.
                var path = ScanoutPath(log);
                Check(!path.Contains("copied into", StringComparison.Ordinal) && !path.StartsWith("no ", StringComparison.Ordinal), $"the frames are not drawn straight into the scanout buffers: {path}");
                var totals = StopAndReadTotals(compositor, log);
                Check(totals.ScanoutCopied == 0, $"{totals.ScanoutCopied} bytes copied into scanout buffers");
                return $"{shown}; {presented}; {kmsLine[(kmsLine.IndexOf("] ", StringComparison.Ordinal) + 2)..]}; {path}; {totals.Frames} frames drawn, 0 bytes copied into scanout buffers";
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                client.WaitForExit();
                var err = client.StandardError.ReadToEnd();
                Console.Error.Write(err);
            }
        });
    }

    /// <summary>Runs <paramref name="check"/> while our compositor runs (socket "vm-check"; the
    /// environment's WAYLAND_DISPLAY is for the clients, so the backend must be named); a failure
    /// carries the end of the compositor's log.</summary>
    private static string WithCompositor(string[] args, Dictionary<string, string> env, Func<Process, string> check) =>
        WithCompositor(args, env, (compositor, _) => check(compositor));

    /// <summary>The same, with the compositor's log so far for the check to read (stderr is read as
    /// it comes, so a verbose compositor never blocks on a full pipe).</summary>
    private static string WithCompositor(string[] args, Dictionary<string, string> env, Func<Process, Func<string>, string> check)
    {
        using var compositor = Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "compositor.dll"), "--socket", "vm-check", .. args], env);
        var log = new StringBuilder();
        compositor.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        compositor.BeginErrorReadLine();
        string Log() { lock (log) return log.ToString(); }
        try
        {
            if (compositor.StandardOutput.ReadLine() != "WAYLAND_DISPLAY=vm-check") throw new InvalidOperationException("the compositor did not start");
            return check(compositor, Log);
        }
        catch (Exception e)
        {
            if (!compositor.HasExited) compositor.Kill();
            compositor.WaitForExit();
            throw new InvalidOperationException($"{e.Message}\ncompositor exit {compositor.ExitCode}, last log lines:\n{string.Join('\n', Log().Split('\n').TakeLast(15))}");
        }
        finally
        {
            if (!compositor.HasExited) compositor.Kill();
            compositor.WaitForExit();
        }
    }

    /// <summary>How the DRM output said its frames reach the scanout buffers (its log line after
    /// "OUTPUT: "), or "no scanout path logged".</summary>
    private static string ScanoutPath(Func<string> log)
    {
        var line = log().Split('\n').FirstOrDefault(l => l.Contains(" GBM scanout buffers", StringComparison.Ordinal) || l.Contains(" dumb buffers", StringComparison.Ordinal))?.Trim();
        return line is null ? "no scanout path logged" : line[(line.IndexOf(": ", line.IndexOf(']') + 1, StringComparison.Ordinal) + 2)..];
    }

    /// <summary>The renderer's totals our compositor logs as it stops, after SIGTERM.</summary>
    private readonly record struct RendererTotals(long Frames, long Uploaded, long ScanoutCopied, long ReadBack, long Imports);

    /// <summary>Stops our compositor with SIGTERM and reads the totals line from its log
    /// (<paramref name="log"/>: what its stderr gave so far).</summary>
    private static RendererTotals StopAndReadTotals(Process compositor, Func<string> log)
    {
        kill(compositor.Id, SIGTERM);
        Check(compositor.WaitForExit(15000), "the compositor did not stop within 15 s of SIGTERM");
        compositor.WaitForExit(); // the stderr reader's last lines
        var m = System.Text.RegularExpressions.Regex.Match(log(),
            @"Renderer totals: (\d+) frames drawn, (\d+) bytes uploaded, (\d+) bytes copied into scanout buffers, (\d+) bytes read back, (\d+) DMA-BUF imports");
        Check(m.Success, "the compositor logged no renderer totals as it stopped");
        long N(int i) => long.Parse(m.Groups[i].Value);
        return new RendererTotals(N(1), N(2), N(3), N(4), N(5));
    }

    /// <summary>
    /// A DMA-BUF the software renderer cannot read safely (udmabuf, the system heap: llvmpipe
    /// crashes sampling them) and that is not a linear single-plane buffer to read through a mapping
    /// instead (NV12) is answered "failed"; the compositor lives on and the next client works.
    /// </summary>
    private static string Refused(string allocator, string format)
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "headless", "--output", "640x480@60"], env, compositor =>
        {
            var (code, err) = RunClient(dir, env, "--allocator", allocator, "--format", format, "--frames", "10");
            Check(code == 1 && err.Contains("zwp_linux_buffer_params_v1.failed"), $"expected 'failed', got exit {code}: {err}");
            Check(!compositor.HasExited, "the compositor died");
            (code, err) = RunClient(dir, env, "--allocator", "dumb", "--frames", "10");
            Check(code == 0, $"a vgem client after it failed: {err}");
            return $"{allocator} {format} buffers answered 'failed', the compositor alive, a vgem client after it shown";
        });
    }

    /// <summary>
    /// A second window shows 20 frames, each with wp_presentation feedback: every one must be
    /// presented (not discarded) with the kinds of a page flip (vsync, hw_clock, hw_completion), the
    /// output's refresh, and times that go forward. (virtio-gpu keeps no vblank counter: its flip
    /// events carry sequence 0, passed on as the protocol's "no counter".)
    /// </summary>
    private static string PresentationOnFlips(Dictionary<string, string> env)
    {
        foreach (var (k, v) in env) Environment.SetEnvironmentVariable(k, v);
        using var window = new Window("presentation-probe", 64, 64);
        var presentation = window.Bind<Wayland.Protocols.Client.WpPresentation>("wp_presentation", 1)
                           ?? throw new InvalidOperationException("no wp_presentation");
        var pixels = window.Bind<Wayland.Protocols.Client.WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)
                     ?? throw new InvalidOperationException("no wp_single_pixel_buffer_manager_v1");
        var viewport = window.Bind<Wayland.Protocols.Client.WpViewporter>("wp_viewporter", 1)?.GetViewport(window.Surface)
                       ?? throw new InvalidOperationException("no wp_viewporter");
        viewport.SetDestination(64, 64);
        var presented = new List<(ulong Ns, uint Refresh, ulong Sequence, uint Flags)>();
        var discarded = 0;
        for (var i = 0; i < 20; i++)
        {
            window.WaitForFrame(() => false);
            var feedback = presentation.Feedback(window.Surface);
            feedback.Presented += (_, hi, lo, ns, refresh, seqHi, seqLo, flags) =>
                presented.Add(((((ulong)hi << 32) | lo) * 1_000_000_000 + ns, refresh, ((ulong)seqHi << 32) | seqLo, (uint)flags));
            feedback.Discarded += _ => discarded++;
            var shade = (uint)(i * 12) << 24;
            window.Present(pixels.CreateU32RgbaBuffer(shade, shade, shade, uint.MaxValue));
        }
        while (presented.Count + discarded < 20 && window.Display.Error is null) window.Display.Dispatch(1000);
        Check(discarded == 0 && presented.Count == 20, $"{presented.Count} presented, {discarded} discarded of 20");
        Check(presented.TrueForAll(p => p.Flags == 7), $"flags {string.Join(',', presented.Select(p => p.Flags))}, expected vsync|hw_clock|hw_completion (7)");
        for (var i = 1; i < presented.Count; i++)
            Check(presented[i].Sequence >= presented[i - 1].Sequence && presented[i].Ns > presented[i - 1].Ns,
                $"presentation {i} does not follow {i - 1}: {presented[i]} after {presented[i - 1]}");
        var refresh = presented[0].Refresh;
        Check(refresh is > 10_000_000 and < 20_000_000, $"refresh {refresh} ns");
        var span = (presented[^1].Ns - presented[0].Ns) / (double)refresh;
        return $"20 frames presented on page flips (vsync, hw_clock, hw_completion), refresh {refresh / 1e6:F2} ms, " +
               $"{span:F0} refreshes apart from first to last, sequence {presented[0].Sequence}..{presented[^1].Sequence}";
    }

    /// <summary>
    /// Input on the DRM backend: QEMU's virtio keyboard and mouse, driven through its monitor (the
    /// harness answers "VM-INPUT" lines), reach a fullscreen window through libinput and the seat:
    /// a typed "a" as key 30 pressed and released, mouse motion as pointer enter or motion, a click
    /// as BTN_LEFT pressed and released.
    /// </summary>
    private static string DrmInput()
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        var kms = KmsDevice;
        return WithCompositor(["--backend", "drm", "--drm-device", kms], env, _ =>
        {
            foreach (var (k, v) in env) Environment.SetEnvironmentVariable(k, v);
            using var window = new Window("input-probe", 1280, 800);
            var seat = window.Bind<Wayland.Protocols.Client.WlSeat>("wl_seat", 5) ?? throw new InvalidOperationException("no wl_seat");
            var keys = new List<(uint Key, bool Pressed)>();
            var buttons = new List<(uint Button, bool Pressed)>();
            var (focused, pointed, moved) = (false, false, false);
            var keyboard = seat.GetKeyboard();
            keyboard.Keymap += (_, _, fd, _) => fd.Dispose();
            keyboard.Enter += (_, _, _, _) => focused = true;
            keyboard.Key += (_, _, _, key, state) => keys.Add((key, state == Wayland.Protocols.Client.WlKeyboard.KeyState.Pressed));
            var pointer = seat.GetPointer();
            pointer.Enter += (_, _, _, _, _) => pointed = true;
            pointer.Motion += (_, _, _, _) => moved = true;
            pointer.Button += (_, _, _, button, state) => buttons.Add((button, state == Wayland.Protocols.Client.WlPointer.ButtonState.Pressed));
            window.Toplevel.SetFullscreen(null);
            var pixels = window.Bind<Wayland.Protocols.Client.WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)!;
            window.Bind<Wayland.Protocols.Client.WpViewporter>("wp_viewporter", 1)!.GetViewport(window.Surface).SetDestination(1280, 800);
            window.Display.Roundtrip();
            window.WaitForFrame(() => false); // acks the fullscreen configure
            window.Present(pixels.CreateU32RgbaBuffer(0, uint.MaxValue / 2, 0, uint.MaxValue));
            Until(window, () => focused, "keyboard focus on the new window");

            Console.WriteLine("VM-INPUT sendkey a");
            Until(window, () => keys.Count >= 2, "the key 'a' typed on the virtual keyboard");
            Check(keys[0] == (30, true) && keys[1] == (30, false), $"keys {string.Join(' ', keys)}, expected 30 pressed then released");

            Console.WriteLine("VM-INPUT mouse_move 20 20");
            Until(window, () => pointed || moved, "pointer motion from the virtual mouse");
            Console.WriteLine("VM-INPUT mouse_button 1");
            Console.WriteLine("VM-INPUT mouse_button 0");
            Until(window, () => buttons.Count >= 2, "a click of the virtual mouse");
            Check(buttons[0] == (0x110, true) && buttons[1] == (0x110, false), $"buttons {string.Join(' ', buttons)}, expected BTN_LEFT pressed then released");
            return "typed 'a' arrived as key 30 pressed/released, motion as pointer enter/motion, a click as BTN_LEFT pressed/released";
        });
    }

    /// <summary>
    /// Started on a text console (VT 1 as standard input), the DRM backend puts it in graphics mode
    /// with its keyboard off, and Ctrl+Alt+Backspace on the virtual keyboard ends the compositor,
    /// which gives the console back in text mode.
    /// </summary>
    private static string DrmConsole()
    {
        var runtime = Directory.CreateTempSubdirectory("vm-xdg").FullName;
        var env = new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime };
        var kms = KmsDevice;
        var tty = Open("/dev/tty1");
        try
        {
            Check(!VirtualTerminal.IsInGraphicsMode(tty), "VT 1 is in graphics mode before the compositor starts");
            using var compositor = StartOnConsole(kms, env);
            try
            {
                if (compositor.StandardOutput.ReadLine() != "WAYLAND_DISPLAY=vm-check") throw new InvalidOperationException("the compositor did not start");
                Check(VirtualTerminal.IsInGraphicsMode(tty), "the console is not in graphics mode while the compositor runs");
                Console.WriteLine("VM-INPUT sendkey ctrl-alt-backspace");
                Check(compositor.WaitForExit(TimeSpan.FromSeconds(30)), "Ctrl+Alt+Backspace did not end the compositor");
                Check(compositor.ExitCode == 0, $"the compositor exited with {compositor.ExitCode}");
                Check(!VirtualTerminal.IsInGraphicsMode(tty), "the console was left in graphics mode");
                var log = compositor.StandardError.ReadToEnd();
                Check(log.Contains("Took over the console") && log.Contains("Quit requested from the keyboard"), $"log:\n{log}");
                return "VT 1 in graphics mode while it ran; Ctrl+Alt+Backspace quit; the console back in text mode";
            }
            finally
            {
                if (!compositor.HasExited) compositor.Kill();
                compositor.WaitForExit();
            }
        }
        finally
        {
            close(tty);
        }
    }

    /// <summary>
    /// Switching consoles away from the compositor (on VT 1, a vgem client inside) and back: while
    /// VT 2 is shown another process can become the display's master (the compositor let go), and
    /// back on VT 1 the compositor drives the display again (the harness's screendump shows the
    /// client's window, checked on the host). Ctrl+Alt+F2 on the virtual keyboard switches too.
    /// </summary>
    private static string DrmVtSwitch()
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        var kms = KmsDevice;
        var tty = Open("/dev/tty1");
        try
        {
            Activate(tty, 1);
            using var compositor = StartOnConsole(kms, env);
            if (compositor.StandardOutput.ReadLine() != "WAYLAND_DISPLAY=vm-check") throw new InvalidOperationException("the compositor did not start");
            var log = new StringBuilder();
            compositor.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            compositor.BeginErrorReadLine();
            int Count(string what) { lock (log) return log.ToString().Split(what).Length - 1; }
            using var client = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "dumb", "--static"], env);
            try
            {
                WaitForFrame0(runtime, env, client);
                Check(!CanBecomeMaster(kms), "another process became the display's master while the compositor held it");

                Activate(tty, 2);
                Check(CanBecomeMaster(kms), "on VT 2 the compositor still holds the display");
                Activate(tty, 1);
                // Master is taken back when the compositor's loop gets SIGUSR2: probing sooner would race it.
                WaitUntil(() => Count("Console back") == 1, "the compositor to take the console back");
                Check(!CanBecomeMaster(kms), "back on VT 1 the compositor did not take the display again");
                WaitForFrame0(runtime, env, client);
                Screendump("drm-vt-back");

                Console.WriteLine("VM-INPUT sendkey ctrl-alt-f2");
                WaitForConsole(tty, 2);
                Activate(tty, 1);
                WaitUntil(() => Count("Console back") == 2, "the compositor to take the console back after Ctrl+Alt+F2");
                Check(!compositor.HasExited, "the compositor exited");
                return "VT 2 freed the display for another master; back on VT 1 the compositor took it again and showed its clients; Ctrl+Alt+F2 switched";
            }
            catch (Exception e)
            {
                if (!compositor.HasExited) compositor.Kill();
                compositor.WaitForExit();
                throw new InvalidOperationException($"{e.Message}\ncompositor log:\n{log}");
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                if (!compositor.HasExited) compositor.Kill();
                compositor.WaitForExit();
            }
        }
        finally
        {
            Activate(tty, 1);
            close(tty);
        }
    }

    /// <summary>
    /// Direct scanout: a fullscreen client of the output's size with dumb buffers of the display
    /// device itself (virtio-gpu, GEM handle → PRIME fd) is flipped to as it is, without
    /// composition (the harness's screendump shows it, checked on the host); the same client with
    /// vgem buffers, which virtio-gpu cannot import, is composited instead.
    /// </summary>
    private static string DrmScanout()
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        var kms = KmsDevice;
        var vgem = DumbAllocator.Candidates().FirstOrDefault() ?? throw new InvalidOperationException("no vgem");
        using var compositor = Start("dotnet", [Path.Combine(dir, "compositor.dll"), "--socket", "vm-check", "--backend", "drm", "--drm-device", kms], env);
        var log = new StringBuilder();
        try
        {
            if (compositor.StandardOutput.ReadLine() != "WAYLAND_DISPLAY=vm-check") throw new InvalidOperationException("the compositor did not start");
            compositor.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            compositor.BeginErrorReadLine();
            bool Logged(string what) { lock (log) return log.ToString().Contains(what); }

            string[] Client(string device) => [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "dumb", "--device", device,
                                               "--size", "1280x800", "--fullscreen", "--static"];
            using (var foreign = Start("dotnet", Client(vgem), env))
            {
                WaitUntil(() => Logged("cannot be scanned out"), "vgem buffers to be refused for scanout");
                if (foreign.HasExited) throw new InvalidOperationException($"the vgem client exited: {foreign.StandardError.ReadToEnd()}");
                foreign.Kill();
                foreign.WaitForExit();
            }
            using var own = Start("dotnet", Client(kms), env);
            try
            {
                WaitUntil(() => Logged("scanning a client buffer out directly"), "the virtio-gpu buffer to be scanned out");
                Thread.Sleep(2000);
                Screendump("drm-scanout");
                Check(!own.HasExited, "the client exited");
                return "vgem buffers composited (virtio-gpu refuses them); the client's own virtio-gpu buffers flipped to directly";
            }
            finally
            {
                if (!own.HasExited) own.Kill();
                own.WaitForExit();
            }
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\ncompositor log:\n{log}");
        }
        finally
        {
            if (!compositor.HasExited) compositor.Kill();
            compositor.WaitForExit();
        }
    }

    /// <summary>
    /// A benchmark, not a check (tests/vm/bench-drm.sh runs it): compositor CPU per frame on the DRM
    /// backend for a fullscreen 1280x800 dmabuf-client animating every frame, with buffers the
    /// display scans out directly (virtio-gpu's own) and with buffers it must composite (vgem's).
    /// The difference of a long and a short run, so start-up does not count. QEMU's TCG CPU is slow:
    /// compare the two figures, not them with a real machine's.
    /// </summary>
    private static string BenchDrm()
    {
        var kms = KmsDevice;
        var vgem = DumbAllocator.Candidates().FirstOrDefault() ?? throw new InvalidOperationException("no vgem");
        var direct = CpuPerFrame(kms, kms);
        var composited = CpuPerFrame(kms, vgem);
        return $"compositor CPU per frame, fullscreen 1280x800 client: direct scanout {direct:F2} ms, composited {composited:F2} ms";
    }

    private static double CpuPerFrame(string kms, string bufferDevice)
    {
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        return double.Parse(WithCompositor(["--backend", "drm", "--drm-device", kms, "--log-level", "warning"], env, compositor =>
        {
            double Run(int frames)
            {
                var before = CpuTicks(compositor.Id);
                var (code, err) = RunClient(dir, env, "--allocator", "dumb", "--device", bufferDevice, "--size", "1280x800", "--fullscreen", "--frames", frames.ToString());
                Check(code == 0, $"dmabuf-client: {err}");
                return CpuTicks(compositor.Id) - before;
            }
            var shortRun = Run(30);
            var longRun = Run(150);
            return ((longRun - shortRun) * 10.0 / 120).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long CpuTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11]) + long.Parse(fields[12]);
    }

    private static void WaitUntil(Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"timed out waiting for {what}");
            Thread.Sleep(100);
        }
    }

    /// <summary>Takes grim screenshots until dmabuf-client's window at 32,32 shows frame 0 (its white
    /// quadrant as <paramref name="bottomRight"/>, each channel within <paramref name="tolerance"/>).</summary>
    private static void WaitForFrame0(string runtime, Dictionary<string, string> env, Process client,
        (byte, byte, byte) bottomRight, int tolerance, TimeSpan timeout) => WaitForFrame0At(runtime, env, client, 32, 32, bottomRight, tolerance, timeout);

    /// <summary>The same, for a window at <paramref name="x"/>, <paramref name="y"/> of the whole layout (grim captures every output).</summary>
    private static void WaitForFrame0At(string runtime, Dictionary<string, string> env, Process client, int x, int y,
        (byte, byte, byte) bottomRight, int tolerance, TimeSpan timeout)
    {
        string? mismatch = "no screenshot yet";
        var sw = Stopwatch.StartNew();
        while (mismatch is not null && sw.Elapsed < timeout)
        {
            if (client.HasExited) throw new InvalidOperationException($"dmabuf-client exited: {client.StandardError.ReadToEnd()}");
            Thread.Sleep(500);
            var shot = Screenshot(runtime, env);
            mismatch = shot is null ? "grim failed" : PatternCheck.Frame0((px, py) => shot.Value.Pixel(px, py), x, y, 256, bottomRight, tolerance);
        }
        if (mismatch is not null) throw new InvalidOperationException($"the window at {x},{y}: {mismatch}");
    }

    private static void WaitForFrame0(string runtime, Dictionary<string, string> env, Process client) =>
        WaitForFrame0(runtime, env, client, (255, 255, 255), 0, TimeSpan.FromSeconds(60));

    /// <summary>Our compositor on the DRM backend with VT 1 as its standard input, as when started
    /// from that text console.</summary>
    private static Process StartOnConsole(string kms, Dictionary<string, string> env) =>
        Start("bash", ["-c", $"exec dotnet {Path.Combine(AppContext.BaseDirectory, "compositor.dll")} --socket vm-check --backend drm --drm-device {kms} < /dev/tty1"], env);

    /// <summary>Whether a new open of the card may become its master: only when nobody else is.</summary>
    private static bool CanBecomeMaster(string card)
    {
        var fd = Open(card);
        try
        {
            return Compositor.Backends.Native.DrmIoctl.Ioctl(fd, Compositor.Backends.Native.DrmIoctl.IoctlSetMaster, 0u) == 0;
        }
        finally
        {
            close(fd);
        }
    }

    private const uint VtGetState = 0x5603, VtActivateRequest = 0x5606;

    private static unsafe void Activate(int tty, int number)
    {
        VtIoctl(tty, VtActivateRequest, (void*)number);
        WaitForConsole(tty, number);
    }

    private static unsafe void WaitForConsole(int tty, int number)
    {
        var sw = Stopwatch.StartNew();
        ushort* state = stackalloc ushort[3]; // v_active, v_signal, v_state
        while (true)
        {
            Check(VtIoctl(tty, VtGetState, state) == 0, "VT_GETSTATE failed");
            if (state[0] == number) return;
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"console {number} never became active (still {state[0]})");
            Thread.Sleep(100);
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int VtIoctl(int fd, nuint request, void* arg);

    private static void Until(Window window, Func<bool> condition, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"timed out waiting for {what}");
            if (window.Display.Error is { } e) throw new InvalidOperationException($"protocol error: {e}");
            window.Display.Dispatch(200);
        }
    }

    private static (int Code, string Err) RunClient(string dir, Dictionary<string, string> env, params string[] args)
    {
        using var client = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), .. args], env);
        var err = client.StandardError.ReadToEndAsync();
        if (!client.WaitForExit(TimeSpan.FromSeconds(120))) { client.Kill(); throw new InvalidOperationException("dmabuf-client hung"); }
        return (client.ExitCode, err.Result);
    }

    private readonly record struct Ppm(int Width, byte[] Rgb, int Start)
    {
        public (byte, byte, byte) Pixel(int x, int y)
        {
            var i = Start + (y * Width + x) * 3;
            return (Rgb[i], Rgb[i + 1], Rgb[i + 2]);
        }
    }

    private static Ppm? Screenshot(string runtime, Dictionary<string, string> env)
    {
        var path = Path.Combine(runtime, "shot.ppm");
        using var grim = Start("grim", ["-t", "ppm", path], env);
        grim.WaitForExit();
        if (grim.ExitCode != 0) return null;
        var data = File.ReadAllBytes(path);
        // "P6\nW H\n255\n": three header lines.
        var start = 0;
        for (var lines = 0; lines < 3; start++) if (data[start] == '\n') lines++;
        var size = Encoding.ASCII.GetString(data, 3, start - 3).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        return new Ppm(int.Parse(size[0]), data, start);
    }

    private static Process Start(string file, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
    }

    /// <summary>A check's private XDG_RUNTIME_DIR, and the environment its clients get (our compositor's
    /// socket is "vm-check").</summary>
    private static (string Runtime, Dictionary<string, string> Env) CheckEnvironment()
    {
        var runtime = Directory.CreateTempSubdirectory("vm-xdg").FullName;
        return (runtime, new Dictionary<string, string> { ["XDG_RUNTIME_DIR"] = runtime, ["WAYLAND_DISPLAY"] = "vm-check" });
    }

    /// <summary>The KMS card the guest script names.</summary>
    private static string KmsDevice => Environment.GetEnvironmentVariable("KMS_DEVICE") ?? throw new InvalidOperationException("no KMS_DEVICE");

    private static void Check(bool condition, string failure)
    {
        if (!condition) throw new InvalidOperationException(failure);
    }
}
