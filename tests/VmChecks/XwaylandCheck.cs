using System.Diagnostics;
using System.Text;

namespace VmChecks;

internal static partial class Program
{
    /// <summary>
    /// An X11 program on the DRM backend: the compositor drives virtio-gpu through KMS, Xwayland
    /// starts for xterm (red, at 100,100 as it asks) and its window, under our title bar, is on the
    /// virtual screen (VM-SCREENDUMP drm-xwayland, checked on the host).
    /// </summary>
    private static string DrmXwayland()
    {
        var dir = AppContext.BaseDirectory;
        var (_, env) = CheckEnvironment();
        using var compositor = Start("dotnet", [Path.Combine(dir, "compositor.dll"), "--socket", "vm-check", "--backend", "drm", "--drm-device", KmsDevice, "-v"], env);
        var log = new StringBuilder();
        try
        {
            compositor.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            compositor.BeginErrorReadLine();
            var lines = Task.Run(() => (compositor.StandardOutput.ReadLine(), compositor.StandardOutput.ReadLine()));
            Check(lines.Wait(TimeSpan.FromSeconds(120)), "the compositor printed no WAYLAND_DISPLAY and DISPLAY lines within 120 s");
            var (wayland, display) = lines.Result;
            Console.Error.WriteLine($"drm-xwayland: the compositor runs ({wayland}, {display})");
            Check(wayland == "WAYLAND_DISPLAY=vm-check", $"the compositor did not start: '{wayland}'");
            Check(display is not null && display.StartsWith("DISPLAY=:", StringComparison.Ordinal), $"no X display: '{display}'");
            bool Logged(string what) { lock (log) return log.ToString().Contains(what); }
            env["DISPLAY"] = display!["DISPLAY=".Length..];
            using var xterm = Start("xterm", ["-bg", "red", "-geometry", "40x10+100+100"], env);
            Console.Error.WriteLine("drm-xwayland: xterm started");
            try
            {
                var shown = Stopwatch.StartNew();
                while (!Logged("Showing X window") && !xterm.HasExited)
                {
                    Check(shown.Elapsed < TimeSpan.FromSeconds(120), "xterm's window did not show within 120 s");
                    Thread.Sleep(200);
                }
                Check(!xterm.HasExited, $"xterm exited: {xterm.StandardError.ReadToEnd()}");
                Thread.Sleep(2000);
                Screendump("drm-xwayland");
                Check(!xterm.HasExited, "xterm exited");
                return $"xterm on Xwayland {env["DISPLAY"]}, shown on the DRM backend";
            }
            finally
            {
                if (!xterm.HasExited) xterm.Kill();
                xterm.WaitForExit(30_000);
            }
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\ncompositor log:\n{log}");
        }
        finally
        {
            if (!compositor.HasExited) compositor.Kill();
            compositor.WaitForExit(30_000);
        }
    }
}
