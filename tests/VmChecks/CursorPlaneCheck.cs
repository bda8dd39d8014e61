using System.Diagnostics;
using System.Text.RegularExpressions;
using Clients.Common;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace VmChecks;

internal static partial class Program
{
    /// <summary>
    /// The pointer on virtio-gpu's cursor plane: first the compositor's own arrow (its XCursor theme)
    /// where the pointer entered, then a client's cursor image (24x24 red, hotspot 4,6)
    /// over a fullscreen green window is on the plane where the pointer is, as the kernel's own
    /// atomic state says (debugfs <c>dri/N/state</c>: the cursor plane's crtc, fb and crtc-pos), and
    /// not in the composited image (QEMU's screendump, which leaves the cursor plane out, is all
    /// green: checked on the host). Moving the mouse moves the plane and draws no frames; the image
    /// is drawn into the plane once; a cursor set to none takes the plane off.
    /// </summary>
    private static string DrmCursorPlane()
    {
        var (_, env) = CheckEnvironment();
        var kms = KmsDevice;
        if (!File.Exists("/sys/kernel/debug/dri/0/state"))
            Process.Start("mount", ["-t", "debugfs", "none", "/sys/kernel/debug"])!.WaitForExit();
        var state = $"/sys/kernel/debug/dri/{Regex.Match(kms, @"\d+$").Value}/state";
        return WithCompositor(["--backend", "drm", "--drm-device", kms], env, (compositor, log) =>
        {
            var kmsLine = log().Split('\n').FirstOrDefault(l => l.Contains("atomic KMS:", StringComparison.Ordinal)) ?? "no atomic KMS line";
            var plane = Regex.Match(kmsLine, @"cursor plane (\d+) \(the pointer is shown on it, 64x64\)");
            Check(plane.Success, $"the output does not show the pointer on a cursor plane: {kmsLine}");
            var planeId = plane.Groups[1].Value;

            foreach (var (k, v) in env) Environment.SetEnvironmentVariable(k, v);
            using var window = new Window("cursor-plane", 1280, 800);
            var seat = window.Bind<WlSeat>("wl_seat", 5) ?? throw new InvalidOperationException("no wl_seat");
            var pointer = seat.GetPointer();
            uint serial = 0;
            var (x, y, motions) = (0.0, 0.0, 0);
            pointer.Enter += (_, s, _, sx, sy) => (serial, x, y) = (s, sx.ToDouble(), sy.ToDouble());
            pointer.Motion += (_, _, sx, sy) => (x, y, motions) = (sx.ToDouble(), sy.ToDouble(), motions + 1);
            window.Toplevel.SetFullscreen(null);
            var pixels = window.Bind<WpSinglePixelBufferManagerV1>("wp_single_pixel_buffer_manager_v1", 1)!;
            window.Bind<WpViewporter>("wp_viewporter", 1)!.GetViewport(window.Surface).SetDestination(1280, 800);
            window.Display.Roundtrip();
            window.WaitForFrame(() => false); // acks the fullscreen configure
            window.Present(pixels.CreateU32RgbaBuffer(0, uint.MaxValue, 0, uint.MaxValue));
            window.WaitForFrame(() => false);

            // On the pointer's first entry the compositor's own arrow (its XCursor theme) is on the
            // plane, its hotspot at the pointer: the plane's corner a little above and left of it.
            Console.WriteLine("VM-INPUT mouse_move 20 20");
            Until(window, () => serial != 0, "the pointer entering the window");
            var arrow = WaitForPlaneNear(window, state, planeId, () => ((int)Math.Floor(x), (int)Math.Floor(y)), "the compositor's arrow on the cursor plane");

            // Then a cursor of the client's own.
            var cursor = window.Compositor.CreateSurface();
            var red = ShmBuffer(window, 24, 24, 0xffff0000);
            pointer.SetCursor(serial, cursor, 4, 6);
            cursor.Attach(red, 0, 0);
            cursor.DamageBuffer(0, 0, 24, 24);
            cursor.Commit();
            window.Display.Flush();
            var at = WaitForPlane(window, state, planeId, () => ((int)Math.Floor(x) - 4, (int)Math.Floor(y) - 6), "the cursor image on the cursor plane");
            Screendump("drm-cursor-plane");

            // Moves: the plane follows, nothing is composited.
            for (var i = 0; i < 12; i++)
            {
                var before = motions;
                Console.WriteLine($"VM-INPUT mouse_move {(i % 2 == 0 ? 15 : -7)} 5");
                Until(window, () => motions > before, "pointer motion");
            }
            var moved = WaitForPlane(window, state, planeId, () => ((int)Math.Floor(x) - 4, (int)Math.Floor(y) - 6), "the cursor plane following the pointer");
            Check(moved != at, $"the cursor plane stayed at {at} while the pointer moved");

            // No cursor: the plane goes off.
            pointer.SetCursor(serial, null, 0, 0);
            window.Display.Flush();
            var off = Stopwatch.StartNew();
            string block;
            while (!(block = PlaneState(state, planeId)).Contains("crtc=(null)", StringComparison.Ordinal) && off.Elapsed < TimeSpan.FromSeconds(10))
            {
                window.Display.Dispatch(100);
            }
            Check(block.Contains("crtc=(null)", StringComparison.Ordinal) && block.Contains("fb=0", StringComparison.Ordinal),
                $"the cursor plane is still on after the cursor was hidden:\n{block}");

            var totals = StopAndReadTotals(compositor, log);
            var images = Regex.Match(log(), @"(\d+) cursor plane images");
            Check(images.Success && images.Groups[1].Value == "2", $"cursor images drawn into the plane: {(images.Success ? images.Groups[1].Value : "not logged")}, expected 2 (the arrow, the client's)");
            // Before the cursor: a few frames for the window; after, one to draw the window where
            // the pointer came onto the plane; 12 moves would be 12 more if composited.
            Check(totals.Frames <= 8, $"the renderer drew {totals.Frames} frames: moving the pointer on its plane should draw none");
            return $"the compositor's arrow on cursor plane {planeId} at {arrow.X},{arrow.Y}; the client's cursor at {at.X},{at.Y} (pointer minus hotspot) then {moved.X},{moved.Y} after 12 moves, off when hidden " +
                   $"(kernel atomic state); each image drawn once; {totals.Frames} frames composited in all";
        });
    }

    /// <summary>Waits until the kernel's state shows the cursor plane on the CRTC with a framebuffer
    /// at the place the pointer says; returns that place.</summary>
    private static (int X, int Y) WaitForPlane(Window window, string state, string planeId, Func<(int, int)> expected, string what)
    {
        var sw = Stopwatch.StartNew();
        var block = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            window.Display.Dispatch(100);
            block = PlaneState(state, planeId);
            var (ex, ey) = expected();
            var pos = Regex.Match(block, @"crtc-pos=64x64([+-]\d+)([+-]\d+)");
            if (block.Contains("crtc=crtc-0", StringComparison.Ordinal) && !block.Contains("fb=0\n", StringComparison.Ordinal)
                && pos.Success && int.Parse(pos.Groups[1].Value) == ex && int.Parse(pos.Groups[2].Value) == ey)
                return (ex, ey);
        }
        throw new TimeoutException($"timed out waiting for {what} at {expected()}; the kernel says:\n{block}");
    }

    /// <summary>Waits until the cursor plane is on the CRTC with a framebuffer, its corner at most 32
    /// pixels above and left of the pointer (an image whose hotspot the check does not know).</summary>
    private static (int X, int Y) WaitForPlaneNear(Window window, string state, string planeId, Func<(int, int)> pointer, string what)
    {
        var sw = Stopwatch.StartNew();
        var block = "";
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            window.Display.Dispatch(100);
            block = PlaneState(state, planeId);
            var (px, py) = pointer();
            var pos = Regex.Match(block, @"crtc-pos=64x64([+-]\d+)([+-]\d+)");
            if (block.Contains("crtc=crtc-0", StringComparison.Ordinal) && !block.Contains("fb=0\n", StringComparison.Ordinal) && pos.Success
                && int.Parse(pos.Groups[1].Value) is var cx && int.Parse(pos.Groups[2].Value) is var cy && cx <= px && cx > px - 32 && cy <= py && cy > py - 32)
                return (cx, cy);
        }
        throw new TimeoutException($"timed out waiting for {what} near {pointer()}; the kernel says:\n{block}");
    }

    /// <summary>The block of the kernel's atomic state (debugfs) about one plane.</summary>
    private static string PlaneState(string state, string planeId)
    {
        var text = File.ReadAllText(state);
        var start = text.IndexOf($"plane[{planeId}]:", StringComparison.Ordinal);
        if (start < 0) return $"no plane[{planeId}] in {state}:\n{text}";
        var end = text.IndexOf("\nplane[", start + 1, StringComparison.Ordinal);
        var crtc = text.IndexOf("\ncrtc[", start + 1, StringComparison.Ordinal);
        if (end < 0 || (crtc >= 0 && crtc < end)) end = crtc;
        return end < 0 ? text[start..] : text[start..end];
    }

    private static unsafe WlBuffer ShmBuffer(Window window, int width, int height, uint argb)
    {
        var shm = window.Bind<WlShm>("wl_shm", 1) ?? throw new InvalidOperationException("no wl_shm");
        int fd;
        fixed (byte* name = "cursor\0"u8) fd = memfd_create(name, MFD_CLOEXEC);
        var size = width * height * 4;
        Check(fd >= 0 && ftruncate(fd, size) == 0, "cannot make shared memory");
        var p = (uint*)mmap(null, (Tmds.Linux.size_t)(ulong)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        new Span<uint>(p, width * height).Fill(argb);
        munmap(p, (Tmds.Linux.size_t)(ulong)size);
        var pool = shm.CreatePool(fd, size);
        var buffer = pool.CreateBuffer(0, width, height, width * 4, WlShm.Format.Argb8888);
        pool.Destroy();
        close(fd);
        return buffer;
    }
}
