using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Clients.Common;
using static Tmds.Linux.LibC;

namespace VmChecks;

/// <summary>GPU clients of our compositor on the virgl guest: their buffers are the GPU's, shared as DMA-BUFs.</summary>
internal static partial class Program
{
    /// <summary>
    /// Our compositor (DRM backend on the virgl card) renders on the virgl render node, so
    /// linux-dmabuf is version 5 with that node as the main device; Mesa's EGL in weston-simple-egl
    /// then renders on the GPU and hands its buffers over through zwp_linux_buffer_params_v1 (its
    /// WAYLAND_DEBUG trace says so; none is refused), and the triangle it draws shows in a
    /// screenshot with its three corner colours.
    /// </summary>
    private static string GpuEglClient()
    {
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, (compositor, log) =>
        {
            var trace = new StringBuilder();
            string Trace() { lock (trace) return trace.ToString(); }

            // Logged before the socket line, but read from the pipe on another thread.
            WaitUntil(() => log().Contains("Backend drm:", StringComparison.Ordinal), "the compositor's renderer line");
            var rendering = Regex.Match(log(), @"Rendering on .* on (/dev/dri/renderD\d+) \(GBM").Groups[1].Value;
            Check(rendering != "", $"the compositor does not render on a render node:\n{log()}");
            var dmabuf = Regex.Match(log(), @"linux-dmabuf v(\d+): .*").Value;
            Check(dmabuf.StartsWith("linux-dmabuf v5", StringComparison.Ordinal) && dmabuf.Contains("226:", StringComparison.Ordinal),
                $"linux-dmabuf is not version 5 with the render node as main device: '{dmabuf}'");

            using var client = Start("weston-simple-egl", [], new Dictionary<string, string>(env) { ["WAYLAND_DEBUG"] = "1" });
            client.ErrorDataReceived += (_, e) => { lock (trace) trace.AppendLine(e.Data); };
            client.BeginErrorReadLine();
            try
            {
                Ppm? shot = null;
                (int Red, int Green, int Blue) corners = default;
                var sw = Stopwatch.StartNew();
                while (sw.Elapsed < TimeSpan.FromSeconds(90))
                {
                    Check(!client.HasExited, $"weston-simple-egl exited:\n{Trace()[^Math.Min(2000, Trace().Length)..]}");
                    Thread.Sleep(1000);
                    shot = Screenshot(runtime, env);
                    if (shot is null) continue;
                    corners = TriangleCorners(shot.Value);
                    if (corners.Red > 20 && corners.Green > 20 && corners.Blue > 20 && Trace().Contains(".create_immed(", StringComparison.Ordinal)) break;
                }
                var t = Trace();
                var created = Regex.Matches(t, @"zwp_linux_buffer_params_v1@\d+\.create(_immed)?\(").Count;
                Check(created >= 2, $"weston-simple-egl made {created} buffers through zwp_linux_buffer_params_v1 (its trace has {t.Split('\n').Length} lines)");
                Check(!Regex.IsMatch(t, @"zwp_linux_buffer_params_v1@\d+\.failed\("), "the compositor refused one of weston-simple-egl's buffers");
                Check(corners.Red > 20 && corners.Green > 20 && corners.Blue > 20,
                    $"the triangle's corners do not show: {corners.Red} red, {corners.Green} green, {corners.Blue} blue pixels");
                Check(!Regex.IsMatch(log(), @"DMA-BUF import .* failed"), $"a DMA-BUF import failed:\n{log()}");
                // A few seconds of animation more, then the renderer's totals: each shared buffer imported
                // once however many frames showed it, and nothing copied to show them.
                Thread.Sleep(4000);
                var totals = StopAndReadTotals(compositor, log);
                Check(totals.Frames >= 30, $"only {totals.Frames} frames drawn while weston-simple-egl animated");
                Check(totals.Imports <= created, $"{totals.Imports} DMA-BUF imports for {created} buffers over {totals.Frames} frames");
                Check(totals.ScanoutCopied == 0 && totals.Uploaded == 0,
                    $"{totals.ScanoutCopied} bytes copied into scanout buffers, {totals.Uploaded} bytes uploaded");
                return $"rendering on {rendering}, {dmabuf}; weston-simple-egl shared {created} DMA-BUFs; " +
                       $"triangle corners {corners.Red}/{corners.Green}/{corners.Blue} pixels red/green/blue; " +
                       $"{totals.Frames} frames drawn with {totals.Imports} imports, 0 bytes copied or uploaded";
            }
            finally
            {
                if (!client.HasExited) client.Kill();
                client.WaitForExit();
            }
        });
    }

    /// <summary>
    /// weston's DMA-BUF test clients against our compositor on the virgl renderer:
    /// weston-simple-dmabuf-egl allocates GBM buffers on the render node, renders into them with GLES
    /// and shares them (its trace shows the params requests, none answered failed) and its window
    /// shows content; weston-simple-dmabuf-feedback receives linux-dmabuf feedback (format table,
    /// main device, tranches) rather than "not supported".
    /// </summary>
    private static string GpuDmabufClients()
    {
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "headless", "--output", "640x480@60"], env, compositor =>
        {
            var render = Directory.GetFiles("/dev/dri", "renderD*").Order(StringComparer.Ordinal).First(n => DriverName(n) == "virtio_gpu");
            var trace = new StringBuilder();
            using var egl = Start("weston-simple-dmabuf-egl", ["-d", render], new Dictionary<string, string>(env) { ["WAYLAND_DEBUG"] = "1" });
            egl.ErrorDataReceived += (_, e) => { lock (trace) trace.AppendLine(e.Data); };
            egl.BeginErrorReadLine();
            int shown;
            try
            {
                var sw = Stopwatch.StartNew();
                shown = 0;
                while (sw.Elapsed < TimeSpan.FromSeconds(90) && shown < 256 * 256 / 2)
                {
                    string t;
                    lock (trace) t = trace.ToString();
                    Check(!egl.HasExited, $"weston-simple-dmabuf-egl exited:\n{t[^Math.Min(2000, t.Length)..]}");
                    Thread.Sleep(1000);
                    if (Screenshot(runtime, env) is { } shot) shown = 256 * 256 - CountColor(shot, 32, 32, 256, 256, (51, 51, 51));
                }
            }
            finally
            {
                if (!egl.HasExited) { kill(egl.Id, SIGINT); egl.WaitForExit(5000); }
                if (!egl.HasExited) egl.Kill();
                egl.WaitForExit();
            }
            string all;
            lock (trace) all = trace.ToString();
            var created = Regex.Matches(all, @"zwp_linux_buffer_params_v1@\d+\.create(_immed)?\(").Count;
            Check(created >= 1, "weston-simple-dmabuf-egl made no buffer through zwp_linux_buffer_params_v1");
            Check(!Regex.IsMatch(all, @"zwp_linux_buffer_params_v1@\d+\.failed\(") && !all.Contains("create failed", StringComparison.Ordinal),
                "the compositor refused one of weston-simple-dmabuf-egl's buffers");
            Check(shown >= 256 * 256 / 2, $"weston-simple-dmabuf-egl's window shows only {shown} non-background pixels");

            using var feedback = Start("timeout", ["-s", "INT", "20", "weston-simple-dmabuf-feedback"], env);
            var output = feedback.StandardOutput.ReadToEndAsync();
            var errors = feedback.StandardError.ReadToEnd();
            feedback.WaitForExit();
            var printed = output.Result + errors;
            Check(!printed.Contains("not supported by compositor", StringComparison.Ordinal), $"weston-simple-dmabuf-feedback: {printed[..Math.Min(500, printed.Length)]}");
            Check(printed.Contains("tranche format/modifier pair", StringComparison.Ordinal) && printed.Contains("end of dma-buf feedback", StringComparison.Ordinal),
                $"weston-simple-dmabuf-feedback printed no feedback:\n{printed[..Math.Min(2000, printed.Length)]}");
            var pairs = Regex.Matches(printed, "tranche format/modifier pair").Count;
            return $"weston-simple-dmabuf-egl on {render}: {created} buffers shared, {shown} pixels of its window drawn; " +
                   $"weston-simple-dmabuf-feedback: feedback with {pairs} tranche pairs";
        });
    }

    /// <summary>
    /// weston-simple-dmabuf-feedback on the DRM backend: it goes fullscreen, and the surface feedback
    /// then carries a scanout tranche (the primary plane's formats that the renderer also imports,
    /// targeting the display device). virtio-gpu's plane takes XRGB8888 only, the format the client
    /// started with, so it ends on its own assertion that the scanout tranche offers no other format:
    /// by design, the end the issue expects, never "not supported by compositor".
    /// </summary>
    private static string GpuFeedbackScanout()
    {
        var (_, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, _ =>
        {
            using var feedback = Start("timeout", ["-s", "INT", "40", "weston-simple-dmabuf-feedback"], env);
            var output = feedback.StandardOutput.ReadToEndAsync();
            var errors = feedback.StandardError.ReadToEnd();
            feedback.WaitForExit();
            var printed = output.Result + errors;
            string Head() => printed[..Math.Min(3000, printed.Length)];
            Check(!printed.Contains("not supported by compositor", StringComparison.Ordinal), $"weston-simple-dmabuf-feedback: {Head()}");
            var scanout = Regex.Matches(printed, @"scanout tranche\? *yes", RegexOptions.IgnoreCase).Count;
            Check(scanout > 0, $"no scanout tranche reached weston-simple-dmabuf-feedback:\n{Head()}");
            var summary = string.Join('\n', printed.Split('\n').Where(l => l.Contains("scanout tranche?", StringComparison.Ordinal)
                || l.Contains("end of dma-buf feedback", StringComparison.Ordinal) || l.Contains("target_device", StringComparison.Ordinal)
                || l.Contains("ssert", StringComparison.Ordinal) || l.Contains("rror", StringComparison.Ordinal)));
            Check(printed.Contains("no valid pair of format/modifier in the scanout tranches", StringComparison.Ordinal),
                $"weston-simple-dmabuf-feedback did not end on its scanout-tranche assertion; what it printed of tranches:\n{summary}");
            var feedbacks = Regex.Matches(printed, "end of dma-buf feedback").Count;
            return $"{feedbacks} feedbacks, {scanout} scanout tranches once fullscreen; it ended on 'no valid pair of format/modifier in the scanout tranches' " +
                   "(virtio-gpu's plane takes only its initial XRGB8888)";
        });
    }

    /// <summary>
    /// Our compositor nested in our compositor on the virgl GPU: the nested one draws straight into GBM
    /// buffers that the parent imports through linux-dmabuf (its log says so, its renderer copies and
    /// reads back nothing); asked for fullscreen, it follows the parent's resize with new DMA-BUFs; and
    /// its client shows pixel-exact on the parent's screen.
    /// </summary>
    private static string GpuNested()
    {
        var (runtime, env) = CheckEnvironment();
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, (parent, parentLog) =>
        {
            var dir = AppContext.BaseDirectory;
            using var nested = Start("dotnet", [Path.Combine(dir, "compositor.dll"), "--backend", "wayland", "--output", "400x300", "--fullscreen", "--socket", "nested",
                "--", "dotnet", Path.Combine(dir, "shm-client.dll"), "--static"], env);
            var log = new StringBuilder();
            nested.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            nested.BeginErrorReadLine();
            _ = nested.StandardOutput.ReadToEndAsync();
            string Log() { lock (log) return log.ToString(); }
            try
            {
                // Fullscreen in the parent: the nested window at 0,0, and its client cascades to 32,32 in it.
                string? mismatch = "no screenshot yet";
                var sw = Stopwatch.StartNew();
                while (mismatch is not null && sw.Elapsed < TimeSpan.FromSeconds(90))
                {
                    Check(!nested.HasExited, $"the nested compositor exited:\n{Log()}");
                    Thread.Sleep(1000);
                    var shot = Screenshot(runtime, env);
                    mismatch = shot is null ? "grim failed" : PatternCheck.Frame0((x, y) => shot.Value.Pixel(x, y), 32, 32, 256, (255, 255, 255), 0);
                }
                Check(mismatch is null, $"the nested client is not shown in the parent: {mismatch}\n{Log()}");
                var transport = Regex.Match(Log(), @"Nested: frames .*").Value.Trim();
                Check(transport.Contains("through linux-dmabuf", StringComparison.Ordinal), $"the nested compositor does not hand its frames over as DMA-BUFs: '{transport}'\n{Log()}");
                Check(Log().Contains("the parent resized the window to 1280x800", StringComparison.Ordinal), $"the nested window did not follow the parent's resize:\n{Log()}");
                var totals = StopAndReadTotals(nested, Log);
                Check(totals.ReadBack == 0 && totals.ScanoutCopied == 0, $"the nested compositor read back {totals.ReadBack} bytes");
                var parentTotals = StopAndReadTotals(parent, parentLog);
                Check(parentTotals.Imports >= 6, $"the parent imported {parentTotals.Imports} DMA-BUFs (3 before the resize, 3 after)");
                return $"{transport[(transport.IndexOf("through", StringComparison.Ordinal))..]}; resized with the parent to 1280x800; its client pixel-exact on the parent's screen; " +
                       $"nested: {totals.Frames} frames drawn, 0 bytes read back; the parent imported {parentTotals.Imports} DMA-BUFs";
            }
            finally
            {
                if (!nested.HasExited) nested.Kill();
                nested.WaitForExit();
            }
        });
    }

    /// <summary>
    /// More of Mesa's EGL clients on our compositor on the virgl renderer: es2gears_wayland and
    /// glmark2-es2-wayland render on the GPU and hand their frames over through
    /// zwp_linux_buffer_params_v1 (their traces), none refused; glmark2 finishes its benchmark with a
    /// score.
    /// </summary>
    private static string GpuGlApps()
    {
        var (_, env) = CheckEnvironment();
        return WithCompositor(["--backend", "headless", "--output", "640x480@60"], env, _ =>
        {
            var gears = RunTraced("es2gears_wayland", [], env, TimeSpan.FromSeconds(10));
            var glmark = RunTraced("glmark2-es2-wayland", ["-b", "build:duration=2.0", "-s", "256x256"], env, TimeSpan.FromSeconds(90));
            var score = Regex.Match(glmark.Output, @"glmark2 Score: *(\d+)").Groups[1].Value;
            Check(score != "", $"glmark2-es2-wayland printed no score:\n{glmark.Output[^Math.Min(1500, glmark.Output.Length)..]}");
            return $"es2gears_wayland shared {gears.Created} DMA-BUFs; glmark2-es2-wayland shared {glmark.Created}, score {score}";
        });
    }

    /// <summary>Runs a client with WAYLAND_DEBUG=1 until it exits or <paramref name="limit"/> passes
    /// (then SIGINT), and checks from its trace that it shared at least two DMA-BUFs and none was refused.</summary>
    private static (int Created, string Output) RunTraced(string file, string[] args, Dictionary<string, string> env, TimeSpan limit)
    {
        var output = new StringBuilder();
        using var client = Start(file, args, new Dictionary<string, string>(env) { ["WAYLAND_DEBUG"] = "1" });
        client.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        client.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        client.BeginOutputReadLine();
        client.BeginErrorReadLine();
        if (!client.WaitForExit(limit))
        {
            kill(client.Id, SIGINT);
            if (!client.WaitForExit(5000)) client.Kill();
        }
        client.WaitForExit();
        string all;
        lock (output) all = output.ToString();
        var created = Regex.Matches(all, @"zwp_linux_buffer_params_v1@\d+\.create(_immed)?\(").Count;
        Check(created >= 2, $"{file} made {created} buffers through zwp_linux_buffer_params_v1:\n{all[^Math.Min(1500, all.Length)..]}");
        Check(!Regex.IsMatch(all, @"zwp_linux_buffer_params_v1@\d+\.failed\("), $"the compositor refused one of {file}'s buffers");
        return (created, all);
    }

    private static int CountColor(Ppm shot, int x0, int y0, int width, int height, (byte, byte, byte) color)
    {
        var n = 0;
        for (var y = y0; y < y0 + height; y++)
            for (var x = x0; x < x0 + width; x++)
                if (shot.Pixel(x, y) == color) n++;
        return n;
    }

    /// <summary>Pixels near each of weston-simple-egl's triangle corners (pure red, green and blue,
    /// interpolated in between) in the window area, wherever the rotation has taken them.</summary>
    private static (int Red, int Green, int Blue) TriangleCorners(Ppm shot)
    {
        int red = 0, green = 0, blue = 0;
        for (var y = 0; y < 400; y++)
            for (var x = 0; x < 400; x++)
            {
                var (r, g, b) = shot.Pixel(x, y);
                if (r > 200 && g < 60 && b < 60) red++;
                if (g > 200 && r < 60 && b < 60) green++;
                if (b > 200 && r < 60 && g < 60) blue++;
            }
        return (red, green, blue);
    }
}
