using Tmds.Linux;
using Wayland.Tests.Harness;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Wayland.Tests;

/// <summary>fds cross a real socketpair as SCM_RIGHTS and arrive as the same open file.</summary>
public sealed unsafe class FdPassingTests
{
    private static int MemFd(string content)
    {
        var fd = memfd_create((byte*)System.Runtime.InteropServices.Marshal.StringToHGlobalAnsi("test"), 1 /* MFD_CLOEXEC */);
        Assert.True(fd >= 0);
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        fixed (byte* p = bytes) Assert.Equal(bytes.Length, (long)write(fd, p, bytes.Length));
        return fd;
    }

    private static (ulong Dev, ulong Ino) Identity(int fd)
    {
        var info = new FileInfo($"/proc/self/fd/{fd}");
        var target = File.ResolveLinkTarget(info.FullName, false)?.FullName ?? "";
        // st_dev/st_ino via fstat would need another binding; /proc/self/fdinfo's "ino" is the same number.
        var ino = File.ReadAllLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("ino:"))[4..].Trim();
        return ((ulong)target.GetHashCode(), ulong.Parse(ino));
    }

    [Fact]
    public void FdSentWithAMessageArrivesAsTheSameFile()
    {
        var baseline = TestServer.FdCount();
        var (a, b) = Native.SocketPair();
        using (var sender = new WireConnection(a))
        using (var receiver = new WireConnection(b))
        {
            var memfd = MemFd("shared through SCM_RIGHTS");
            var w = sender.BeginMessage(9);
            w.WriteUint(1);
            w.WriteFd(memfd);
            sender.EndMessage(ref w, 0);
            Assert.Equal(FlushStatus.Done, sender.Flush(out _));

            Assert.Equal(ReceiveStatus.Data, receiver.Receive(out _));
            Assert.Equal(12, receiver.Input.Length);
            Assert.Equal(1, receiver.QueuedInputFds);
            using var received = new OwnedFd(receiver.InputFds.Dequeue());
            Assert.NotEqual(memfd, received.Value);
            Assert.Equal(Identity(memfd), Identity(received.Value));

            var buffer = new byte[64];
            long n;
            fixed (byte* p = buffer) n = pread(received.Value, p, buffer.Length, 0);
            Assert.Equal("shared through SCM_RIGHTS", System.Text.Encoding.UTF8.GetString(buffer, 0, (int)n));
            close(memfd);
        }
        Assert.Equal(baseline, TestServer.FdCount());
    }

    [Fact]
    public void ManyFdsAreSplitAcrossSendsAndKeepTheirOrder()
    {
        var baseline = TestServer.FdCount();
        var (a, b) = Native.SocketPair();
        var sources = Enumerable.Range(0, 60).Select(i => MemFd($"file {i}")).ToArray();
        using (var sender = new WireConnection(a))
        using (var receiver = new WireConnection(b))
        {
            foreach (var fd in sources)
            {
                var w = sender.BeginMessage(9);
                w.WriteFd(fd);
                sender.EndMessage(ref w, 0);
            }
            Assert.Equal(FlushStatus.Done, sender.Flush(out _));
            while (receiver.Receive(out _) == ReceiveStatus.Data) { }
            Assert.Equal(60 * 8, receiver.Input.Length);
            Assert.Equal(60, receiver.QueuedInputFds);
            for (var i = 0; i < 60; i++)
            {
                using var got = new OwnedFd(receiver.InputFds.Dequeue());
                Assert.Equal(Identity(sources[i]), Identity(got.Value));
            }
        }
        foreach (var fd in sources) close(fd);
        Assert.Equal(baseline, TestServer.FdCount());
    }

    [Fact]
    public void QueuedFdsAreClosedWhenTheConnectionIsDisposed()
    {
        var baseline = TestServer.FdCount();
        var (a, b) = Native.SocketPair();
        var memfd = MemFd("x");
        using (var sender = new WireConnection(a))
        {
            var w = sender.BeginMessage(9);
            w.WriteFd(memfd);
            sender.EndMessage(ref w, 0);
            // Never flushed: the duplicate made for sending must still be closed.
        }
        using (var receiver = new WireConnection(b)) { }
        close(memfd);
        Assert.Equal(baseline, TestServer.FdCount());
    }

    [Fact]
    public void OwnedFdTakeMovesOwnership()
    {
        var memfd = MemFd("y");
        var first = new OwnedFd(memfd);
        var second = first.Take();
        first.Dispose();
        Assert.True(File.Exists($"/proc/self/fd/{memfd}"));
        second.Dispose();
        Assert.False(File.Exists($"/proc/self/fd/{memfd}"));
    }
}
