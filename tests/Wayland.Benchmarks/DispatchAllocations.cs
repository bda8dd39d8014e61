using System.Buffers.Binary;
using Wayland.Events;
using Wayland.Protocols.Server;
using Wayland.Server;
using Wayland.Wire;

namespace Wayland.Benchmarks;

/// <summary>
/// Managed bytes allocated by the server while it receives and dispatches a stream of
/// wl_surface.damage requests, measured around the event loop on its own thread.
/// </summary>
internal static class DispatchAllocations
{
    private sealed class Counting : IWlCompositorHandler, IWlSurfaceHandler
    {
        public long Count;
        public void CreateSurface(WlCompositor resource, WlSurface id) => id.Handler = this;
        public void CreateRegion(WlCompositor resource, WlRegion id) { }
        public void Destroy(WlSurface resource) { }
        public void Attach(WlSurface resource, WlBuffer? buffer, int x, int y) { }
        public void Damage(WlSurface resource, int x, int y, int width, int height) => Count++;
        public long Frames;
        public void Frame(WlSurface resource, WlCallback callback)
        {
            // Answered at once, as a frame would: done, then the object is gone.
            Frames++;
            callback.SendDone(0);
            callback.Destroy();
        }
        public void SetOpaqueRegion(WlSurface resource, WlRegion? region) { }
        public void SetInputRegion(WlSurface resource, WlRegion? region) { }
        public void Commit(WlSurface resource) { }
        public void SetBufferTransform(WlSurface resource, WlOutput.Transform transform) { }
        public void SetBufferScale(WlSurface resource, int scale) { }
        public void DamageBuffer(WlSurface resource, int x, int y, int width, int height) => Count++;
        public void Offset(WlSurface resource, int x, int y) { }
    }

    /// <summary>Bytes per wl_surface.frame request, each creating (and here at once answering and
    /// destroying) a wl_callback: the one allocation a client's frame costs, its protocol object.</summary>
    public static double FrameCallbackBytes()
    {
        using var loop = new EventLoop();
        using var display = new Display(loop, Serilog.Core.Logger.None);
        var (handler, clientEnd) = ConnectWithSurface(loop, display);
        var batch = new List<byte>();
        for (var i = 0; i < 100; i++) batch.AddRange(Msg(4, 3, 5 + (uint)i)); // frame(new id 5+i): ids are taken in sequence, then reused
        var bytes = batch.ToArray();
        for (var i = 0; i < 500; i++) { Send(clientEnd, bytes); Pump(loop, clientEnd, 1); }
        const int Rounds = 2000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var frames0 = handler.Frames;
        for (var i = 0; i < Rounds; i++) { Send(clientEnd, bytes); Pump(loop, clientEnd, 1); }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Native.Close(clientEnd);
        var perFrame = (double)allocated / Math.Max(1, handler.Frames - frames0);
        Console.WriteLine($"wl_surface.frame: {perFrame:F1} bytes/request (the wl_callback object it creates)");
        return perFrame;
    }

    public static long Run(bool print = true)
    {
        using var loop = new EventLoop();
        using var display = new Display(loop, Serilog.Core.Logger.None);
        var (handler, clientEnd) = ConnectWithSurface(loop, display);

        var batch = new byte[16 * 4 * 150]; // 150 damage requests per write, 24 bytes each, fits one read
        var length = 0;
        for (var i = 0; i < 150; i++)
        {
            var m = Msg(4, 2, (uint)i, 0, 16, 16);
            m.CopyTo(batch, length);
            length += m.Length;
        }
        for (var i = 0; i < 2000; i++) { Send(clientEnd, batch.AsSpan(0, length)); Pump(loop, clientEnd, 1); }

        const int Rounds = 5000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var damageBefore = handler.Count;
        for (var i = 0; i < Rounds; i++) { Send(clientEnd, batch.AsSpan(0, length)); loop.Dispatch(0); }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        var dispatched = handler.Count - damageBefore;
        Native.Close(clientEnd);
        if (print)
            Console.WriteLine($"dispatch allocations: {allocated} bytes for {dispatched} wl_surface.damage requests " +
                $"({(double)allocated / Math.Max(1, dispatched):F3} bytes/request)");
        return allocated;
    }

    /// <summary>A raw client with wl_surface@4: get_registry(2), bind(1, "wl_compositor", 6, 3), create_surface(4).</summary>
    private static (Counting Handler, int ClientEnd) ConnectWithSurface(EventLoop loop, Display display)
    {
        var handler = new Counting();
        display.CreateGlobal<WlCompositor>(6, c => c.Handler = handler);
        var (serverEnd, clientEnd) = Native.SocketPair();
        display.CreateClient(serverEnd);
        Send(clientEnd, [.. Msg(1, 1, 2), .. Bind(), .. Msg(3, 0, 4)]);
        Pump(loop, clientEnd, 10);
        return (handler, clientEnd);
    }

    private static byte[] Bind()
    {
        var name = "wl_compositor\0\0\0"u8.ToArray(); // 14 bytes with NUL, padded to 16
        var m = new byte[8 + 4 + 4 + 16 + 4 + 4];
        BinaryPrimitives.WriteUInt32LittleEndian(m, 2);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), ((uint)m.Length << 16) | 0);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(12), 14);
        name.CopyTo(m, 16);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(32), 6);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(36), 3);
        return m;
    }

    private static byte[] Msg(uint id, ushort opcode, params uint[] args)
    {
        var m = new byte[8 + 4 * args.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(m, id);
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(4), ((uint)m.Length << 16) | opcode);
        for (var i = 0; i < args.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(8 + 4 * i), args[i]);
        return m;
    }

    private static unsafe void Send(int fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            var n = (long)Tmds.Linux.LibC.write(fd, p, bytes.Length);
            if (n != bytes.Length) throw new IOException($"short write {n}");
        }
    }

    private static void Pump(EventLoop loop, int clientEnd, int rounds)
    {
        for (var i = 0; i < rounds; i++) loop.Dispatch(0);
        Span<byte> sink = stackalloc byte[4096];
        unsafe { fixed (byte* p = sink) while ((long)Tmds.Linux.LibC.read(clientEnd, p, sink.Length) > 0) { } }
    }
}
