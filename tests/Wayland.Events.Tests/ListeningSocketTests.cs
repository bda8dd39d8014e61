using System.Net.Sockets;
using Tmds.Linux;
using Xunit;
using static Tmds.Linux.LibC;

namespace Wayland.Events.Tests;

/// <summary>These set XDG_RUNTIME_DIR, which the whole process shares.</summary>
[Collection(ProcessWideCollection.Name)]
public sealed class ListeningSocketTests
{
    private static Socket Connect(string path)
    {
        var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        return client;
    }

    /// <summary>st_mode from lstat, or null when nothing is there.</summary>
    private static unsafe uint? Mode(string path)
    {
        stat st;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* p = bytes)
        {
            if (lstat(p, &st) != 0) return null;
        }
        return (uint)st.st_mode;
    }

    private static bool IsSocketFile(string path) => (Mode(path) & 0xF000) == 0xC000; // S_IFSOCK

    /// <summary>Leaves a socket file at <paramref name="path"/> with nobody listening (System.Net.Sockets would
    /// delete it on Dispose).</summary>
    private static unsafe void BindAndAbandon(string path)
    {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        Assert.True(fd >= 0);
        sockaddr_un addr = default;
        addr.sun_family = AF_UNIX;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path);
        for (var i = 0; i < bytes.Length; i++) addr.sun_path[i] = bytes[i];
        Assert.Equal(0, bind(fd, (sockaddr*)&addr, (socklen_t)(uint)sizeof(sockaddr_un)));
        Fds.Close(fd);
    }

    /// <summary>Holds the lock of <paramref name="socketPath"/> the way another live compositor would.</summary>
    private static unsafe int HoldLock(string socketPath)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(socketPath + ".lock\0");
        int fd;
        fixed (byte* p = bytes) fd = open(p, O_CREAT | O_CLOEXEC | O_RDWR, (mode_t)0x1b0u);
        Assert.True(fd >= 0);
        Assert.Equal(0, Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB));
        return fd;
    }

    [Fact]
    public void Auto_mode_creates_wayland_0_in_XDG_RUNTIME_DIR()
    {
        using var dir = new RuntimeDir();
        using var socket = ListeningSocket.Create(null);
        Assert.Equal("wayland-0", socket.Name);
        Assert.Equal(dir["wayland-0"], socket.Path);
        Assert.Equal(dir["wayland-0.lock"], socket.LockPath);
        Assert.True(IsSocketFile(socket.Path));
        Assert.True(File.Exists(socket.LockPath));
        // rw for user and group at most (the umask may take some away).
        var permissions = Mode(socket.LockPath)!.Value & 0xFFF;
        Assert.Equal(0u, permissions & ~0x1B0u); // nothing beyond 0660
        Assert.Equal(0x180u, permissions & 0x180u); // 0600 survives any sane umask
        // Listening, non-blocking, close-on-exec.
        Assert.NotEqual(0, fcntl(socket.Fd, F_GETFL) & O_NONBLOCK);
        Assert.NotEqual(0, fcntl(socket.Fd, F_GETFD) & FD_CLOEXEC);
    }

    [Fact]
    public void Explicit_name_in_use_is_refused_while_the_first_is_alive()
    {
        using var dir = new RuntimeDir();
        using var first = ListeningSocket.Create("wayland-7");
        Assert.Equal("wayland-7", first.Name);
        Assert.Equal(dir["wayland-7"], first.Path);

        var e = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create("wayland-7"));
        Assert.Contains("socket name in use", e.Message);
        // The refused attempt must not have touched the live socket.
        Assert.True(IsSocketFile(first.Path));
        using (Connect(first.Path)) { }

        first.Dispose();
        using var second = ListeningSocket.Create("wayland-7");
        Assert.Equal(dir["wayland-7"], second.Path);
    }

    [Fact]
    public void Auto_mode_picks_the_next_free_number()
    {
        using var dir = new RuntimeDir();
        using var first = ListeningSocket.Create(null);
        using var second = ListeningSocket.Create(null);
        Assert.Equal("wayland-0", first.Name);
        Assert.Equal("wayland-1", second.Name);

        // A lock held by someone else counts as in use even with no socket file.
        var held = HoldLock(dir["wayland-2"]);
        try
        {
            using var third = ListeningSocket.Create(null);
            Assert.Equal("wayland-3", third.Name);
            Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create("wayland-2"));
        }
        finally
        {
            Fds.Close(held);
        }
    }

    [Fact]
    public void Auto_mode_gives_up_after_wayland_32()
    {
        using var dir = new RuntimeDir();
        var held = Enumerable.Range(0, 33).Select(n => HoldLock(dir[$"wayland-{n}"])).ToArray();
        try
        {
            var e = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create(null));
            Assert.Contains("wayland-32", e.Message);
        }
        finally
        {
            Fds.Close(held);
        }
    }

    [Fact]
    public void Stale_socket_with_a_free_lock_is_replaced()
    {
        using var dir = new RuntimeDir();
        // What a crashed compositor leaves: a socket file nobody listens on, and an unlocked lock file.
        var stale = dir["wayland-0"];
        BindAndAbandon(stale);
        File.WriteAllBytes(stale + ".lock", []);
        Assert.True(IsSocketFile(stale));
        Assert.Throws<SocketException>(() => Connect(stale).Dispose());

        using var socket = ListeningSocket.Create(null);
        Assert.Equal("wayland-0", socket.Name);
        using var client = Connect(socket.Path);
        var fd = socket.Accept();
        Assert.True(fd >= 0);
        Fds.Close(fd);
    }

    [Fact]
    public void Missing_or_relative_XDG_RUNTIME_DIR_is_refused()
    {
        using (new RuntimeDirVariable(null))
        {
            var auto = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create(null));
            Assert.Contains("XDG_RUNTIME_DIR", auto.Message);
            var named = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create("wayland-3"));
            Assert.Contains("XDG_RUNTIME_DIR", named.Message);
        }
        using (new RuntimeDirVariable("relative/dir"))
        {
            var e = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create(null));
            Assert.Contains("absolute", e.Message);
        }
    }

    [Fact]
    public void Absolute_name_is_used_as_the_path_without_XDG_RUNTIME_DIR()
    {
        var dir = Directory.CreateTempSubdirectory("wlev-").FullName;
        try
        {
            using var unset = new RuntimeDirVariable(null);
            var path = Path.Join(dir, "custom-socket");
            using var socket = ListeningSocket.Create(path);
            Assert.Equal(path, socket.Name);
            Assert.Equal(path, socket.Path);
            using (Connect(path)) { }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Too_long_path_is_refused()
    {
        using var dir = new RuntimeDir();
        var e = Assert.Throws<WaylandSocketException>(() => ListeningSocket.Create(new string('x', 120)));
        Assert.Contains("too long", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void Dispose_removes_the_socket_and_lock_files()
    {
        using var dir = new RuntimeDir();
        var socket = ListeningSocket.Create("wayland-1");
        Assert.True(IsSocketFile(socket.Path));
        Assert.True(File.Exists(socket.LockPath));
        socket.Dispose();
        Assert.False(IsSocketFile(socket.Path));
        Assert.False(File.Exists(socket.LockPath));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        Assert.Throws<ObjectDisposedException>(() => socket.Accept());
        socket.Dispose();
    }

    [Fact]
    public unsafe void Client_connects_and_Accept_returns_a_nonblocking_cloexec_fd()
    {
        using var dir = new RuntimeDir();
        using var socket = ListeningSocket.Create(null);
        Assert.Equal(-1, socket.Accept());

        using var client = Connect(socket.Path);
        var fd = socket.Accept();
        Assert.True(fd >= 0);
        Assert.Equal(-1, socket.Accept());
        Assert.NotEqual(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
        Assert.NotEqual(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);

        client.Send("hi"u8);
        byte* buffer = stackalloc byte[8];
        long n = 0;
        for (var i = 0; i < 100 && n <= 0; i++)
        {
            n = (long)read(fd, buffer, 8);
            if (n <= 0) Thread.Sleep(5);
        }
        Assert.Equal(2, n);
        Assert.Equal((byte)'h', buffer[0]);
        Fds.Close(fd);
    }

    [Fact]
    public void Connecting_client_wakes_the_loop_on_the_listening_fd()
    {
        using var dir = new RuntimeDir();
        using var socket = ListeningSocket.Create(null);
        using var loop = new EventLoop();
        var accepted = new List<int>();
        using var source = loop.AddFd(socket.Fd, FdEvents.Readable, (_, _) =>
        {
            int fd;
            while ((fd = socket.Accept()) >= 0) accepted.Add(fd);
        });
        Assert.Equal(0, loop.Dispatch(0));
        using var a = Connect(socket.Path);
        using var b = Connect(socket.Path);
        Assert.Equal(1, loop.Dispatch(1000));
        Assert.Equal(2, accepted.Count);
        Fds.Close([.. accepted]);
    }
}
