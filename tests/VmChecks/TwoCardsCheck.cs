using System.Text.RegularExpressions;
using Clients.Common;
using Wayland.Protocols.Client;

namespace VmChecks;

internal static partial class Program
{
    /// <summary>The QEMU id of the 2D card the harness adds beside the virgl one in GPU mode.</summary>
    private const string SecondCardId = "card2d";

    /// <summary>
    /// Two GPUs (PRIME): our compositor drives the virgl card and a 2D virtio-gpu card beside it, one
    /// renderer (EGL on virgl's render node) drawing for both. On the virgl card the GPU draws into
    /// its own scanout buffers; for the 2D card no zero-copy pair exists (its PRIME import of a virgl
    /// buffer fails, and virgl refuses the 2D card's buffers), so each cheaper way is tried, refused,
    /// logged once, and the frame is copied. Checked on both screens: shm-client's frame 0 in the virgl
    /// window, a fullscreen magenta window filling the 2D card's screen (QEMU's screendump of it).
    /// </summary>
    private static string GpuTwoCards()
    {
        var second = Environment.GetEnvironmentVariable("SECOND_KMS_DEVICE")
                     ?? throw new InvalidOperationException("no second card (the harness adds a 2D virtio-gpu beside virgl in GPU mode)");
        var dir = AppContext.BaseDirectory;
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice, "--drm-device", second], env, (compositor, log) =>
        {
            // The kernel numbers connectors of a type across devices: the 2D card's may be Virtual-2.
            var prefix = $"{Path.GetFileName(second)}-";
            WaitUntil(() => log().Contains($"Output {prefix}", StringComparison.Ordinal), $"an output of the second card ({second})");
            var secondName = Regex.Match(log(), $@"Output ({Regex.Escape(prefix)}\S+):").Groups[1].Value;
            string PathOf(string output) =>
                log().Split('\n').FirstOrDefault(l => l.Contains($" {output}: ", StringComparison.Ordinal)
                                                      && (l.Contains(" GBM scanout buffers", StringComparison.Ordinal) || l.Contains(" dumb buffers", StringComparison.Ordinal)))?.Trim()
                ?? $"{output}: no scanout path logged";
            var first = PathOf("Virtual-1");
            var copied = PathOf(secondName);
            Check(first.Contains("the GPU draws straight into 2 GBM scanout buffers", StringComparison.Ordinal), $"the virgl card is not drawn on the GPU: {first}");
            Check(copied.Contains("drawn offscreen and copied into 2 dumb buffers", StringComparison.Ordinal), $"the 2D card's frames are not copied: {copied}");
            // Both zero-copy ways were tried, in order, and each refusal said once.
            var importRefused = copied.IndexOf("the display cannot scan out the render node's buffer", StringComparison.Ordinal);
            var drawRefused = copied.IndexOf("the renderer cannot draw into a dumb buffer", StringComparison.Ordinal);
            Check(importRefused >= 0 && drawRefused > importRefused, $"the 2D card's path does not name both refusals in order: {copied}");
            Check(Regex.Matches(log(), "the display cannot scan out the render node's buffer").Count == 1, "the import refusal was logged more than once");

            using var client = Start("dotnet", [Path.Combine(dir, "shm-client.dll"), "--static"], env);
            try
            {
                WaitForFrame0(runtime, env, client);
                foreach (var (k, v) in env) Environment.SetEnvironmentVariable(k, v);
                using var window = new Window("second-screen", 1024, 768, "vm-check");
                var outputs = new List<(uint Name, uint Version)>();
                var registry = window.Display.GetRegistry();
                registry.Global += (_, name, iface, version) => { if (iface == "wl_output") outputs.Add((name, version)); };
                window.Display.Roundtrip();
                Check(outputs.Count == 2, $"{outputs.Count} wl_output globals, expected one per card");
                var output = registry.Bind<WlOutput>(outputs[1].Name, 1);
                window.Toplevel.SetFullscreen(output);
                var pixels = window.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)!;
                window.Bind<WpViewporter>("wp_viewporter", 1)!.GetViewport(window.Surface).SetDestination(1024, 768);
                window.Display.Roundtrip();
                window.WaitForFrame(() => false); // acks the fullscreen configure
                window.Present(pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, uint.MaxValue, uint.MaxValue));
                window.WaitForFrame(() => false);
                window.Present(pixels.CreateU32RgbaBuffer(uint.MaxValue, 0, uint.MaxValue, uint.MaxValue));
                window.WaitForFrame(() => false);
                // What the compositor composited, as screencopy reads it back: both screens side by side.
                var shot = Screenshot(runtime, env) ?? throw new InvalidOperationException("grim failed");
                Check(shot.Width == 1280 + 1024, $"grim's capture is {shot.Width} wide, not both screens side by side");
                var mismatch = PatternCheck.Frame0((x, y) => shot.Pixel(x, y), 32, 32, 256, (255, 255, 255), 0);
                Check(mismatch is null && shot.Pixel(640, 600) == (51, 51, 51) && shot.Pixel(1280 + 512, 384) == (255, 0, 255),
                    $"the layout is not shm-client on the first screen and magenta on the second: {mismatch}; {shot.Pixel(640, 600)} at 640,600, {shot.Pixel(1280 + 512, 384)} at 1792,384");
                Screendump("gpu-two-cards-virgl");
                Screendump("gpu-two-cards-2d", SecondCardId);
                var totals = StopAndReadTotals(compositor, log);
                Check(totals.ScanoutCopied > 0, "no bytes were copied for the 2D card");
                return $"virgl card: {first[(first.IndexOf("the GPU", StringComparison.Ordinal))..]}; 2D card {secondName}: " +
                       $"{copied[(copied.IndexOf("drawn", StringComparison.Ordinal))..]}; {totals.ScanoutCopied} bytes copied in all";
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                client.WaitForExit();
            }
        });
    }
}
