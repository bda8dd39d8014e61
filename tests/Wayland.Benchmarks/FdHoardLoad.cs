using System.Buffers.Binary;
using System.Diagnostics;
using Wayland.Client;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace Wayland.Benchmarks;

internal sealed record FdHoardResult(int Baseline, int Peak, int Limit, int Connected, bool NewcomerServed, TimeSpan NewcomerTook);

/// <summary>
/// Clients that send fds no request claims (a wl_display.sync carries each batch) and keep them
/// there: the server must not let them take the fds that accept(), imports and other clients need.
/// A newcomer then makes an shm pool (one more fd) and needs a round trip within 3 s.
/// </summary>
internal static unsafe class FdHoardLoad
{
    public const int Clients = 30, FdsEach = 1000, Batch = 250;

    public static FdHoardResult Measure(ServerProcess server)
    {
        var limit = int.Parse(File.ReadLines($"/proc/{server.Pid}/limits").First(l => l.StartsWith("Max open files"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[3]);
        var baseline = ProcStats.FdCount(server.Pid);
        int* p = stackalloc int[2];
        if (pipe2(p, O_CLOEXEC) != 0) throw new IOException("pipe2 failed");
        var hoarders = new List<ClientDisplay>();
        var peak = baseline;
        try
        {
            for (var c = 0; c < Clients; c++)
            {
                var display = ClientDisplay.Connect(server.SocketPath);
                hoarders.Add(display);
                for (uint sent = 0, id = 2; sent < FdsEach; sent += Batch, id++)
                    if (!SendSyncWithFds(display.Fd, id, p[0], Batch)) break; // cut off
                peak = Math.Max(peak, ProcStats.FdCount(server.Pid));
            }
            Thread.Sleep(500);
            peak = Math.Max(peak, ProcStats.FdCount(server.Pid));
            var connected = hoarders.Count(d => StillConnected(d.Fd));
            var sw = Stopwatch.StartNew();
            var served = Newcomer(server.SocketPath, p[0]);
            return new FdHoardResult(baseline, peak, limit, connected, served, sw.Elapsed);
        }
        finally
        {
            foreach (var d in hoarders) d.Dispose();
            close(p[0]);
            close(p[1]);
        }
    }

    /// <summary>Raw, since no request of ours sends fds it does not declare.</summary>
    private static bool SendSyncWithFds(int socket, uint newId, int fd, int count)
    {
        byte* message = stackalloc byte[12];
        var span = new Span<byte>(message, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(span, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 12u << 16);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], newId);
        var controlSize = 16 + count * sizeof(int);
        byte* control = stackalloc byte[(controlSize + 7) & ~7];
        *(nuint*)control = (nuint)controlSize;
        *(int*)(control + 8) = SOL_SOCKET;
        *(int*)(control + 12) = SCM_RIGHTS;
        for (var i = 0; i < count; i++) ((int*)(control + 16))[i] = fd;
        Tmds.Linux.iovec iov = default;
        iov.iov_base = message;
        iov.iov_len = 12;
        Tmds.Linux.msghdr msg = default;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = (Tmds.Linux.socklen_t)(uint)((controlSize + 7) & ~7);
        return (long)sendmsg(socket, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) == 12;
    }

    private static bool StillConnected(int socket)
    {
        Tmds.Linux.pollfd pfd = default;
        pfd.fd = socket;
        pfd.events = POLLIN;
        if (poll(&pfd, 1, 0) == 0) return true; // nothing said, not hung up
        byte b;
        return (long)recv(socket, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0 && (pfd.revents & POLLHUP) == 0;
    }

    private static bool Newcomer(string socketPath, int fd)
    {
        using var display = ClientDisplay.Connect(socketPath);
        var registry = display.GetRegistry();
        uint shmName = 0;
        registry.Global += (_, name, iface, _) => { if (iface == "wl_shm") shmName = name; };
        var done = false;
        display.Display.Sync().Done += (_, _) => done = true;
        var deadline = Environment.TickCount64 + 3000;
        while (!done && Environment.TickCount64 < deadline) display.Dispatch(100);
        if (!done || shmName == 0) return false;
        // A pool on a pipe is refused with an error, but only after the fd was received and read.
        var memfd = memfd_create((byte*)System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("hoard"), MFD_CLOEXEC);
        ftruncate(memfd, 4096);
        registry.Bind<WlShm>(shmName, 1).CreatePool(memfd, 4096);
        close(memfd);
        return display.Roundtrip(3000) && display.Error is null;
    }

    public static void Print(string who, FdHoardResult r) =>
        Console.WriteLine($"{who,-7} {Clients} clients sending {FdsEach} unclaimed fds each: server fds {r.Baseline} -> peak {r.Peak} " +
                          $"(limit {r.Limit}), {r.Connected} hoarders still connected; a newcomer's shm pool " +
                          (r.NewcomerServed ? $"served in {r.NewcomerTook.TotalMilliseconds:F1} ms" : "NOT served"));
}
