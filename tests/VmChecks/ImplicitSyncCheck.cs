using System.Diagnostics;
using Clients.Common;
using DmabufClient.Allocators;
using Wayland.Client;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace VmChecks;

internal static partial class Program
{
    private const nuint PrimeFdToHandle = 0xC00C642E;        // DRM_IOWR(0x2e, struct drm_prime_handle)
    private const nuint VgemFenceAttach = 0xC0106441;        // DRM_IOWR(DRM_COMMAND_BASE + 1, struct drm_vgem_fence_attach)
    private const nuint VgemFenceSignal = 0x40086442;        // DRM_IOW(DRM_COMMAND_BASE + 2, struct drm_vgem_fence_signal)
    private const uint VgemFenceWrite = 1;

    /// <summary>
    /// Implicit sync with real fences: vgem attaches a write fence to a client's DMA-BUF (what a GPU
    /// does while it renders), and the compositor must not show a frame committed under it until the
    /// fence signals, then show it at once. Meanwhile another client animates undisturbed, and a
    /// client that leaves while its commit waits leaves no fd behind. On the DRM backend of the 2D
    /// VM, checked by grim's capture of what the compositor shows.
    /// </summary>
    private static string ImplicitSync()
    {
        var (runtime, env) = CheckEnvironment();
        var vgemPath = DumbAllocator.Candidates().FirstOrDefault() ?? throw new InvalidOperationException("no vgem");
        Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", runtime);
        return WithCompositor(["--backend", "drm", "--drm-device", KmsDevice], env, (compositor, log) =>
        {
            using var vgem = new DumbAllocator(vgemPath);
            var baseline = FdsAfterWarmUp(compositor, vgem);
            var baselineFds = baseline.Count;
            var fenceFd = Open(vgemPath); // vgem's fences are made and signalled through a file of its own
            try
            {
                var window = new Window("implicit-sync", 128, 128, "vm-check");
                using var red = vgem.Allocate(128, 128, Formats.Xrgb8888);
                using var blue = vgem.Allocate(128, 128, Formats.Xrgb8888);
                Fill(red, 128, 128, 0x00ff0000);
                Fill(blue, 128, 128, 0x000000ff);
                var redBuffer = ImportBuffer(window, red, 128, 128);
                var blueBuffer = ImportBuffer(window, blue, 128, 128);

                window.Present(redBuffer);
                WaitForColour(runtime, env, (255, 0, 0), "the red frame");
                using var other = new OtherClient(vgem);
                var fence = AttachWriteFence(fenceFd, blue);
                var committed = Stopwatch.StartNew();
                window.Present(blueBuffer);
                var otherFrames = Animate(other.Window, other.Buffers, TimeSpan.FromSeconds(2));
                var shot = Screenshot(runtime, env) ?? throw new InvalidOperationException("grim failed");
                Check(shot.Pixel(Probe, Probe) == (255, 0, 0), $"a frame committed under an unsignalled write fence was shown: {shot.Pixel(Probe, Probe)} at {Probe},{Probe} after {committed.ElapsedMilliseconds} ms");
                Check(otherFrames >= 20, $"another client showed only {otherFrames} frames in 2 s while the fence was unsignalled");

                Signal(fenceFd, fence);
                var signalled = Stopwatch.StartNew();
                WaitForColour(runtime, env, (0, 0, 255), "the blue frame after its fence signalled");
                var shownAfter = signalled.ElapsedMilliseconds;

                // Leaving while a commit waits: the fence stays unsignalled (vgem would signal it after 10 s).
                AttachWriteFence(fenceFd, red);
                window.Present(redBuffer);
                window.Display.Roundtrip();
                window.Dispose();
                other.Dispose();
                var fds = FdsBackTo(compositor, baseline);
                Check(!compositor.HasExited, "the compositor died");
                Check(!log().Contains("[ERR]", StringComparison.Ordinal), "the compositor logged an error");
                return $"not shown for 2 s under an unsignalled vgem write fence, while another client showed {otherFrames} frames; " +
                       $"shown {shownAfter} ms after the signal (grim capture); fds back to {fds} after a client left mid-wait";
            }
            finally
            {
                close(fenceFd);
            }
        });
    }

    /// <summary>The compositor's fds once a first client has come and gone: what it makes once for
    /// its first window (the ping timer, the keymap) is no leak.</summary>
    private static HashSet<string> FdsAfterWarmUp(Process compositor, IBufferAllocator allocator)
    {
        using (var warm = new Window("warm-up", 64, 64, "vm-check"))
        using (var buffer = allocator.Allocate(64, 64, Formats.Xrgb8888))
        {
            warm.Present(ImportBuffer(warm, buffer, 64, 64));
            warm.WaitForFrame(() => false);
        }
        Thread.Sleep(500);
        return FdLinks(compositor.Id);
    }

    /// <summary>Waits up to 3 s for the compositor's fds to be back at <paramref name="baseline"/>
    /// after clients left with commits waiting; returns how many it holds.</summary>
    private static int FdsBackTo(Process compositor, HashSet<string> baseline)
    {
        var gone = Stopwatch.StartNew();
        int fds;
        while ((fds = FdsOf(compositor.Id)) > baseline.Count && gone.Elapsed < TimeSpan.FromSeconds(3)) Thread.Sleep(50);
        Check(fds <= baseline.Count, $"the compositor holds {fds} fds, {baseline.Count} before the clients came, 3 s after they left with a commit waiting: " +
                                     string.Join(", ", FdLinks(compositor.Id).Except(baseline)));
        return fds;
    }

    /// <summary>Another client, cascaded over the first window's top left (64,64 to 128,128), with
    /// two buffers to take turns (<see cref="Animate"/>): it must go on while the first one waits.</summary>
    private sealed class OtherClient : IDisposable
    {
        private readonly IAllocatedBuffer _a, _b;
        private bool _disposed;

        public OtherClient(IBufferAllocator allocator)
        {
            Window = new Window("other", 64, 64, "vm-check");
            _a = allocator.Allocate(64, 64, Formats.Xrgb8888);
            _b = allocator.Allocate(64, 64, Formats.Xrgb8888);
            Buffers = [ImportBuffer(Window, _a, 64, 64), ImportBuffer(Window, _b, 64, 64)];
        }

        public Window Window { get; }
        public WlBuffer[] Buffers { get; }

        /// <summary>Leaves (callable early, to leave mid-check; the using then does nothing).</summary>
        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Window.Dispose();
            _a.Dispose();
            _b.Dispose();
        }
    }

    private static int FdsOf(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static HashSet<string> FdLinks(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").Select(f => $"{Path.GetFileName(f)} -> {new FileInfo(f).LinkTarget}").ToHashSet();

    private static unsafe void Fill(IAllocatedBuffer buffer, int width, int height, uint pixel)
    {
        var stride = (int)buffer.Planes[0].Stride;
        buffer.Write((p0, _) =>
        {
            for (var y = 0; y < height; y++) new Span<uint>(p0 + y * stride, width).Fill(pixel);
        });
    }

    private static WlBuffer ImportBuffer(Window window, IAllocatedBuffer buffer, int width, int height)
    {
        var dmabuf = window.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 4) ?? throw new InvalidOperationException("no zwp_linux_dmabuf_v1");
        var p = dmabuf.CreateParams();
        var plane = buffer.Planes[0];
        p.Add(plane.Fd, 0, plane.Offset, plane.Stride, (uint)(buffer.Modifier >> 32), (uint)buffer.Modifier);
        var wl = p.CreateImmed(width, height, Formats.Xrgb8888, 0);
        p.Destroy();
        window.Display.Roundtrip();
        if (window.Display.Error is { } e) throw new InvalidOperationException($"protocol error: {e}");
        return wl;
    }

    /// <summary>Shows the two buffers in turn, each after the last one's frame callback, for
    /// <paramref name="time"/>; returns how many frames the compositor took.</summary>
    private static int Animate(Window window, WlBuffer[] buffers, TimeSpan time)
    {
        var sw = Stopwatch.StartNew();
        var frames = 0;
        window.Present(buffers[0]);
        while (sw.Elapsed < time)
        {
            window.WaitForFrame(() => sw.Elapsed >= time);
            if (sw.Elapsed >= time) break;
            window.Present(buffers[++frames % 2]);
        }
        return frames;
    }

    /// <summary>A vgem write fence on <paramref name="buffer"/> (imported into vgem's file as a
    /// handle): until it is signalled, the buffer is being written, as under a GPU's rendering.</summary>
    private static unsafe uint AttachWriteFence(int vgem, IAllocatedBuffer buffer)
    {
        var prime = stackalloc uint[3] { 0, 0, (uint)buffer.Planes[0].Fd }; // handle, flags, fd
        Check(VtIoctl(vgem, PrimeFdToHandle, prime) == 0, $"PRIME_FD_TO_HANDLE on vgem failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        var attach = stackalloc uint[4] { prime[0], VgemFenceWrite, 0, 0 }; // handle, flags, out_fence, pad
        Check(VtIoctl(vgem, VgemFenceAttach, attach) == 0, $"DRM_IOCTL_VGEM_FENCE_ATTACH failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return attach[2];
    }

    private static unsafe void Signal(int vgem, uint fence)
    {
        var signal = stackalloc uint[2] { fence, 0 };
        Check(VtIoctl(vgem, VgemFenceSignal, signal) == 0, $"DRM_IOCTL_VGEM_FENCE_SIGNAL failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
    }

    /// <summary>A pixel of the implicit-sync window (32,32 to 160,160) that the other window leaves uncovered.</summary>
    private const int Probe = 140;

    /// <summary>grim captures until the implicit-sync window shows <paramref name="rgb"/> at <see cref="Probe"/>.</summary>
    private static void WaitForColour(string runtime, Dictionary<string, string> env, (byte, byte, byte) rgb, string what)
    {
        var sw = Stopwatch.StartNew();
        (byte, byte, byte)? seen = null;
        while (sw.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (Screenshot(runtime, env) is { } shot && (seen = shot.Pixel(Probe, Probe)) == rgb) return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"timed out waiting for {what}: {seen?.ToString() ?? "no screenshot"} at {Probe},{Probe}");
    }
}
