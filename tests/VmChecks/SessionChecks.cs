using System.Diagnostics;
using System.Text;
using Compositor.Backends.Drm;
using Compositor.Backends.Headless;
using static Tmds.Linux.LibC;

namespace VmChecks;

/// <summary>A session people live in: an ordinary user through seatd and libseat, displays and a
/// keyboard plugged in and out while clients run.</summary>
internal static partial class Program
{
    private const int SeatUid = 1500;

    /// <summary>
    /// The compositor as an ordinary user (uid 1500, in group video, no root, no setuid) with
    /// seatd -g video and LIBSEAT_BACKEND=seatd: libseat hands it card0 with DRM master and the
    /// input devices; a client draws (checked by grim, and by the harness's screendump on the host);
    /// Ctrl+Alt+F2 on the virtual keyboard switches VT through the seat (another process may then
    /// become master), back on VT 1 the compositor shows its client again; after it exits the
    /// console is back in text mode.
    /// </summary>
    private static string DrmSeat()
    {
        var dir = AppContext.BaseDirectory;
        var kms = KmsDevice;
        if (RunQuiet("id", "vmseat") != 0)
            Check(RunQuiet("useradd", "-M", "-u", $"{SeatUid}", "-G", "video", "-s", "/bin/sh", "vmseat") == 0, "useradd vmseat failed");
        var runtime = $"/run/user/{SeatUid}";
        var home = "/tmp/vmseat-home";
        foreach (var d in new[] { runtime, home })
        {
            Directory.CreateDirectory(d);
            Check(RunQuiet("chown", $"{SeatUid}:{SeatUid}", d) == 0 && RunQuiet("chmod", "700", d) == 0, $"cannot give {d} to vmseat");
        }
        using var seatd = Start("seatd", ["-g", "video"], []);
        var tty = Open("/dev/tty1");
        try
        {
            Activate(tty, 1);
            WaitUntil(() => File.Exists("/run/seatd.sock") || seatd.HasExited, "seatd's socket");
            if (seatd.HasExited) throw new InvalidOperationException($"seatd exited: {seatd.StandardError.ReadToEnd()}");
            var env = new Dictionary<string, string>
            {
                ["XDG_RUNTIME_DIR"] = runtime, ["LIBSEAT_BACKEND"] = "seatd", ["HOME"] = home, ["DOTNET_CLI_HOME"] = home,
                ["WAYLAND_DISPLAY"] = "vm-check",
            };
            using var compositor = Start("setpriv", [$"--reuid={SeatUid}", $"--regid={SeatUid}", "--init-groups", "--",
                "dotnet", Path.Combine(dir, "compositor.dll"), "--socket", "vm-check", "--backend", "drm", "--drm-device", kms], env);
            var log = new StringBuilder();
            compositor.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            compositor.BeginErrorReadLine();
            string Log() { lock (log) return log.ToString(); }
            try
            {
                if (compositor.StandardOutput.ReadLine() != "WAYLAND_DISPLAY=vm-check") throw new InvalidOperationException("the compositor did not start");
                var uid = File.ReadAllLines($"/proc/{compositor.Id}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                Check(uid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == $"{SeatUid}", $"the compositor runs as {uid}, not uid {SeatUid}");
                Check(Log().Contains("Session: seat seat0 through libseat (backend seatd)"), "the log does not say the seat came through libseat");
                Check(!CanBecomeMaster(kms), "another process became the display's master while the compositor held it");

                using var client = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "dumb", "--static"], env);
                try
                {
                    WaitForFrame0(runtime, env, client);
                    Console.WriteLine("VM-INPUT sendkey ctrl-alt-f2");
                    WaitForConsole(tty, 2);
                    WaitUntil(() => Log().Contains("Seat disabled"), "the seat to be disabled for VT 2");
                    WaitUntil(() => CanBecomeMaster(kms), "seatd to take DRM master from the compositor on VT 2");
                    Activate(tty, 1);
                    WaitUntil(() => Log().Contains("Seat enabled"), "the seat to come back on VT 1");
                    Check(!CanBecomeMaster(kms), "back on VT 1 the compositor did not get the display again");
                    WaitForFrame0(runtime, env, client);
                    Screendump("drm-seat");
                }
                finally
                {
                    if (!client.HasExited) client.Kill();
                }
                kill(compositor.Id, SIGTERM);
                Check(compositor.WaitForExit(TimeSpan.FromSeconds(30)), "the compositor did not exit on SIGTERM");
                Check(compositor.ExitCode == 0, $"the compositor exited with {compositor.ExitCode}");
                WaitUntil(() => !VirtualTerminal.IsInGraphicsMode(tty), "the console to be back in text mode");
                return $"uid {SeatUid} through seatd: card0 with DRM master, a client drawn; Ctrl+Alt+F2 disabled the seat (master free), VT 1 enabled it and the client was shown again; after SIGTERM the console is back in text mode";
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{e.Message}\ncompositor log:\n{Log()}");
            }
            finally
            {
                if (!compositor.HasExited) compositor.Kill();
                compositor.WaitForExit();
            }
        }
        finally
        {
            Activate(tty, 1);
            close(tty);
            if (!seatd.HasExited) seatd.Kill();
            seatd.WaitForExit();
        }
    }

    /// <summary>
    /// virtio-gpu's second head forced on (then a change event for the card, as udevadm trigger
    /// sends: forcing alone sends none): a second output of its own mode (1024x768, its own CRTC),
    /// a second wl_output, a client placed on it (the pointer moved there first); both heads dumped.
    /// Forced off: the output goes, its client moves to the first, the first's client is unharmed.
    /// </summary>
    private static string DrmHotplug()
    {
        var dir = AppContext.BaseDirectory;
        var kms = KmsDevice;
        var card = Path.GetFileName(kms);
        var status = $"/sys/class/drm/{card}-Virtual-2/status";
        Check(File.Exists(status), $"no {status}: the VM's virtio-gpu has one head (max_outputs=2?)");
        var (runtime, env) = CheckEnvironment();
        var inputPath = Path.Combine(runtime, "input");
        return WithCompositor(["--backend", "drm", "--drm-device", kms, "--test-input", inputPath, "-v"], env, (compositor, log) =>
        {
            using var first = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "dumb", "--static"], env);
            try
            {
                WaitForFrame0(runtime, env, first);
                Check(WlOutputs(env) == 1, "more than one wl_output before the hotplug");

                File.WriteAllText(status, "on");
                File.WriteAllText($"/sys/class/drm/{card}/uevent", "change");
                WaitUntil(() => log().Contains("Virtual-2 on") && log().Contains("was plugged in"), "the compositor to add the second output");
                WaitUntil(() => WlOutputs(env) == 2, "a second wl_output");
                Check(log().Contains("Output Virtual-2: 1024x768"), "the second output is not 1024x768 at the right of the first");

                using var input = new TestInputClient(inputPath);
                Check(input.Send("motion 1 500 300") == "ok", "moving the pointer to the second output failed");
                using var placed = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "dumb", "--static"], env);
                try
                {
                    // It opens on the output under the pointer: at 32,32 of the second, 1280 to the right.
                    WaitForFrame0At(runtime, env, placed, 1280 + 32, 32, (255, 255, 255), 0, TimeSpan.FromSeconds(60));
                    Screendump("hotplug-1", "gpu0", 0);
                    Screendump("hotplug-2", "gpu0", 1);

                    File.WriteAllText(status, "off");
                    File.WriteAllText($"/sys/class/drm/{card}/uevent", "change");
                    WaitUntil(() => log().Contains("Virtual-2 was unplugged"), "the compositor to remove the second output");
                    WaitUntil(() => WlOutputs(env) == 1, "the second wl_output to go");
                    Check(!first.HasExited && !placed.HasExited, "a client exited when the output went");
                    WaitForFrame0(runtime, env, first);
                    Screendump("hotplug-after", "gpu0", 0);
                    Check(!compositor.HasExited, "the compositor exited");
                    return "Virtual-2 forced on: a 1024x768 output of its own at 1280,0, two wl_outputs, a client placed on it; forced off: one wl_output, both clients alive on the first";
                }
                finally
                {
                    if (!placed.HasExited) placed.Kill();
                }
            }
            finally
            {
                if (!first.HasExited) first.Kill();
                File.WriteAllText(status, "detect");
            }
        });
    }

    /// <summary>
    /// A virtio keyboard plugged in through the QEMU monitor (device_add) while wev has the focus:
    /// libinput's udev backend adds it, a key sent through it (QEMU gives keys to the newest
    /// keyboard; its own evdev node shows the key, so it really came that way) reaches wev; unplugged
    /// (device_del), it is removed and the compositor goes on with the first keyboard.
    /// </summary>
    private static string DrmInputHotplug()
    {
        var kms = KmsDevice;
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", kms, "-v"], env, (compositor, log) =>
        {
            using var wev = Start("stdbuf", ["-oL", "wev"], env);
            var output = new StringBuilder();
            wev.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
            wev.BeginOutputReadLine();
            string Wev() { lock (output) return output.ToString(); }
            try
            {
                WaitUntil(() => Wev().Contains("wl_keyboard] enter"), "wev to get the keyboard");
                var before = Directory.GetFiles("/dev/input", "event*").ToHashSet();
                Console.WriteLine("VM-INPUT device_add virtio-keyboard-pci,id=kbd2");
                WaitUntil(() => Directory.GetFiles("/dev/input", "event*").Any(e => !before.Contains(e)), "the new keyboard's evdev node");
                var node = Directory.GetFiles("/dev/input", "event*").First(e => !before.Contains(e));
                WaitUntil(() => log().Contains("Input device added"), "libinput to add the new keyboard");
                var added = log().Split('\n').First(l => l.Contains("Input device added")).Trim();

                var evdev = Open(node);
                try
                {
                    Console.WriteLine("VM-INPUT sendkey q");
                    WaitUntil(() => Wev().Contains("sym: q"), "wev to see q typed on the new keyboard");
                    Check(ReadsKey(evdev, 16), $"the q did not come through {node}");
                }
                finally
                {
                    close(evdev);
                }
                Console.WriteLine("VM-INPUT device_del kbd2");
                WaitUntil(() => log().Contains("Input device removed"), "libinput to remove the keyboard");
                Console.WriteLine("VM-INPUT sendkey w");
                WaitUntil(() => Wev().Contains("sym: w"), "wev to see w typed on the first keyboard");
                Check(!compositor.HasExited, "the compositor exited");
                return $"{added[(added.IndexOf("Input device added", StringComparison.Ordinal))..]}; q typed through it ({node}) reached wev; unplugged, removed; w on the first keyboard reached wev";
            }
            finally
            {
                if (!wev.HasExited) wev.Kill();
            }
        });
    }

    /// <summary>Whether an EV_KEY event for <paramref name="code"/> is in the evdev node's queue (read without waiting long).</summary>
    private static unsafe bool ReadsKey(int fd, ushort code)
    {
        var sw = Stopwatch.StartNew();
        var buffer = stackalloc byte[24 * 64]; // struct input_event: timeval (16), type, code (2 each), value (4)
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            var p = new Tmds.Linux.pollfd { fd = fd, events = POLLIN };
            if (poll(&p, 1, 500) <= 0) continue;
            var n = (int)read(fd, buffer, 24 * 64);
            for (var i = 0; i + 24 <= n; i += 24)
                if (*(ushort*)(buffer + i + 16) == 1 && *(ushort*)(buffer + i + 18) == code) return true;
        }
        return false;
    }

    /// <summary>How many wl_output globals wayland-info lists.</summary>
    private static int WlOutputs(Dictionary<string, string> env)
    {
        using var info = Start("wayland-info", [], env);
        var text = info.StandardOutput.ReadToEnd();
        info.WaitForExit();
        return System.Text.RegularExpressions.Regex.Matches(text, @"interface: 'wl_output'").Count;
    }

    private static int RunQuiet(string file, params string[] args)
    {
        using var p = Start(file, args, []);
        p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode;
    }
}
