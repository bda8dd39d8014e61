using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using static Tmds.Linux.LibC;

namespace VmChecks;

internal static partial class Program
{
    /// <summary>
    /// Direct scanout of GPU buffers on virgl: a fullscreen client whose buffers the display imports
    /// (GBM buffers of the render node, in the implicit layout, which weston 10 refuses to scan out)
    /// is flipped to as it is. Presentation feedback says zero_copy, the renderer draws nothing for
    /// those frames, each client buffer gets one framebuffer however many frames show it, and the
    /// QEMU window shows the client's pixels (VM-SCREENDUMP, checked on the host). First our
    /// dmabuf-client with GBM, then Mesa's own EGL client, weston-simple-egl, fullscreen.
    /// </summary>
    private static string GpuDirectScanout()
    {
        var dir = AppContext.BaseDirectory;
        var (_, env) = CheckEnvironment();
        string[] compositorArgs = ["--backend", "drm", "--drm-device", KmsDevice];

        var gbm = WithCompositor(compositorArgs, env, (compositor, log) =>
        {
            using var client = Start("dotnet", [Path.Combine(dir, "dmabuf-client.dll"), "--allocator", "gbm", "--device", "/dev/dri/renderD128",
                                                "--size", "1280x800", "--fullscreen", "--static", "--latency"], env);
            var err = client.StandardError.ReadToEndAsync();
            WaitUntil(() => log().Contains("scanning a client buffer out directly", StringComparison.Ordinal) || client.HasExited,
                "the GBM client's buffers to be scanned out");
            if (client.HasExited) throw new InvalidOperationException($"dmabuf-client exited: {err.Result}");
            // QEMU's window follows a virgl scanout late (seconds, under TCG): let it settle.
            Thread.Sleep(5000);
            Screendump("gpu-scanout-gbm");
            // Long enough in all for 200 frames at the slowest rate TCG has given it (19 fps).
            Thread.Sleep(8000);
            kill(client.Id, SIGTERM); // dmabuf-client ends its frame loop and prints its latency summary
            Check(client.WaitForExit(TimeSpan.FromSeconds(30)), "dmabuf-client did not stop within 30 s of SIGTERM");
            var latency = Regex.Match(err.Result, @"commit-to-present latency: (\d+) presented, .*, (\d+) zero-copy");
            Check(client.ExitCode == 0 && latency.Success, $"dmabuf-client failed (exit {client.ExitCode}): {err.Result}");
            var (presented, zeroCopy) = (int.Parse(latency.Groups[1].Value), int.Parse(latency.Groups[2].Value));
            Check(zeroCopy >= presented - 30 && zeroCopy >= 200, $"only {zeroCopy} of {presented} frames were presented zero-copy");
            var (totals, direct) = StopAndReadScanout(compositor, log);
            Check(direct.Framebuffers <= 3, $"{direct.Framebuffers} framebuffers made for dmabuf-client's 3 buffers");
            Check(totals.Frames <= direct.Flips - direct.Direct, $"the renderer drew {totals.Frames} frames, more than the {direct.Flips - direct.Direct} not scanned out");
            return $"dmabuf-client (GBM, 1280x800): {zeroCopy} of {presented} frames presented zero_copy; {direct.Direct} of {direct.Flips} flips " +
                   $"scanned out from {direct.Framebuffers} framebuffers; the renderer drew {totals.Frames} frames";
        });

        var egl = WithCompositor(compositorArgs, env, (compositor, log) =>
        {
            var trace = new StringBuilder();
            using var client = Start("weston-simple-egl", ["-f"], env);
            client.ErrorDataReceived += (_, e) => { lock (trace) trace.AppendLine(e.Data); };
            client.BeginErrorReadLine();
            try
            {
                WaitUntil(() => log().Contains("scanning a client buffer out directly", StringComparison.Ordinal) || client.HasExited,
                    "weston-simple-egl's buffers to be scanned out");
                Check(!client.HasExited, $"weston-simple-egl exited: {trace}");
                Thread.Sleep(8000);
                Screendump("gpu-scanout-egl");
                Check(!client.HasExited, $"weston-simple-egl exited: {trace}");
                var (totals, direct) = StopAndReadScanout(compositor, log);
                Check(direct.Direct >= 100, $"only {direct.Direct} of {direct.Flips} flips scanned weston-simple-egl out");
                // Mesa keeps up to 4 buffers, and makes new ones when the scanout tranche arrives.
                Check(direct.Framebuffers <= 8, $"{direct.Framebuffers} framebuffers for weston-simple-egl's buffers (EGL keeps at most 4 at a time)");
                Check(totals.Frames <= direct.Flips - direct.Direct, $"the renderer drew {totals.Frames} frames, more than the {direct.Flips - direct.Direct} not scanned out");
                return $"weston-simple-egl -f: {direct.Direct} of {direct.Flips} flips scanned out from {direct.Framebuffers} framebuffers; " +
                       $"the renderer drew {totals.Frames} frames";
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                client.WaitForExit();
            }
        });
        return $"{gbm}; {egl}";
    }

    private readonly record struct ScanoutTotals(long Direct, long Flips, long Framebuffers);

    /// <summary>Stops our compositor and reads its renderer totals and what the DRM output logged of
    /// direct scanout as it stopped.</summary>
    private static (RendererTotals, ScanoutTotals) StopAndReadScanout(Process compositor, Func<string> log)
    {
        var totals = StopAndReadTotals(compositor, log);
        var m = Regex.Match(log(), @"(\d+) of (\d+) frames scanned out directly, from (\d+) client framebuffers");
        Check(m.Success, "the DRM output logged no scanout totals as it stopped");
        return (totals, new ScanoutTotals(long.Parse(m.Groups[1].Value), long.Parse(m.Groups[2].Value), long.Parse(m.Groups[3].Value)));
    }
}
