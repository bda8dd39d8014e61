using Wayland.Events;
using Wayland.Protocols.Server;
using Wayland.Server;

namespace Compositor.Tests;

/// <summary>Debian's wayland-info (libwayland-client) against our server.</summary>
public sealed class LibwaylandClientTests
{
    /// <summary>A server with a few globals, listening on a real socket, its loop on its own thread.</summary>
    private sealed class ListeningServer : IDisposable
    {
        private readonly Thread _thread;
        public readonly EventLoop Loop = new();
        public readonly Display Display;
        public readonly string RuntimeDir = Peers.RuntimeDir();
        public readonly string Socket;

        public ListeningServer()
        {
            Display = new Display(Loop);
            var old = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
            Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", RuntimeDir);
            try { Socket = Display.AddSocket(); }
            finally { Environment.SetEnvironmentVariable("XDG_RUNTIME_DIR", old); }
            Display.CreateGlobal<WlCompositor>(6, _ => { });
            Display.CreateGlobal<WlSubcompositor>(1, _ => { });
            Display.CreateGlobal<WlShm>(2, shm =>
            {
                shm.Handler = new FormatsOnlyShm();
                shm.SendFormat(WlShm.Format.Argb8888);
                shm.SendFormat(WlShm.Format.Xrgb8888);
            });
            _thread = new Thread(Loop.Run) { IsBackground = true, Name = "test server" };
            _thread.Start();
        }

        public void Dispose()
        {
            Loop.Stop();
            _thread.Join();
            Display.Dispose();
            Loop.Dispose();
            Directory.Delete(RuntimeDir, recursive: true);
        }
    }

    /// <summary>wl_shm that only advertises formats: wayland-info never creates pools.</summary>
    private sealed class FormatsOnlyShm : IWlShmHandler
    {
        public void CreatePool(WlShm resource, WlShmPool id, Wayland.Wire.OwnedFd fd, int size) =>
            resource.PostError(WlShm.Error.InvalidFd, "this test server has no shm pools");
        public void Release(WlShm resource) { }
    }

    [Fact]
    public void WaylandInfoListsOurGlobals()
    {
        using var server = new ListeningServer();
        var (code, stdout, stderr) = Peers.Run("wayland-info", [],
            new Dictionary<string, string?> { ["XDG_RUNTIME_DIR"] = server.RuntimeDir, ["WAYLAND_DISPLAY"] = server.Socket });
        Assert.True(code == 0, $"wayland-info failed ({code}): {stderr}");
        Assert.Matches(@"interface: 'wl_compositor',\s+version:\s+6, name:\s+1", stdout);
        Assert.Matches(@"interface: 'wl_subcompositor',\s+version:\s+1, name:\s+2", stdout);
        Assert.Matches(@"interface: 'wl_shm',\s+version:\s+2, name:\s+3", stdout);
        // wayland-info bound wl_shm and printed the formats we sent.
        // (wayland-info prints each as "<code> = '<fourcc>'"; ARGB8888 and XRGB8888 are codes 0 and 1.)
        Assert.Matches(@"\b0 = 'AR24'", stdout);
        Assert.Matches(@"\b1 = 'XR24'", stdout);
    }
}
