using System.Runtime.InteropServices;
using Compositor.Tests.Harness;
using Wayland.Protocols.Client;
using Wayland.Wire;
using static Tmds.Linux.LibC;

namespace Compositor.Tests;

/// <summary>
/// Fds a client's objects keep (shm pools, DMA-BUF planes) count against its share of the fd budget
/// as long as they are open, and stop counting when the objects go.
/// </summary>
public sealed unsafe class FdHoardingTests : IDisposable
{
    private readonly InProcessCompositor _compositor = new(fdBudget: new FdBudget(limit: 1000, perClient: 50, reserve: 500));
    private readonly int _memfd;

    public FdHoardingTests()
    {
        var name = Marshal.StringToHGlobalAnsi("hoard");
        _memfd = memfd_create((byte*)name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
        Marshal.FreeHGlobal(name);
        ftruncate(_memfd, 4096);
        fcntl(_memfd, F_ADD_SEALS, F_SEAL_SHRINK);
    }

    public void Dispose()
    {
        close(_memfd);
        _compositor.Dispose();
    }

    [Fact]
    public void PoolsCountWhileTheyLiveAndAClientOverItsShareIsCutOff()
    {
        var baseline = OpenFds.Snapshot();
        var client = _compositor.Connect();
        var shm = client.Bind<WlShm>("wl_shm", 1);
        var pools = Enumerable.Range(0, 40).Select(_ => shm.CreatePool(_memfd, 4096)).ToList();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(40, client.ServerClient.HeldFds);
        foreach (var p in pools) p.Destroy();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0, client.ServerClient.HeldFds);

        for (var i = 0; i < 60; i++) shm.CreatePool(_memfd, 4096);
        var error = client.ErrorAfterRoundtrip();
        Assert.Equal(("wl_display", (uint)WlDisplay.Error.NoMemory), (error?.Interface, error?.Code));
        client.Dispose();
        _compositor.Pump();
        Assert.Empty(_compositor.Display.Clients);
        Assert.Equal(0, _compositor.Display.FdBudget.Held);
        OpenFds.AssertNoLeak(baseline);
    }

    [Fact]
    public void DmabufPlanesCountUntilTheirParamsOrBufferGo()
    {
        var client = _compositor.Connect();
        var dmabuf = client.Bind<ZwpLinuxDmabufV1>("zwp_linux_dmabuf_v1", 3);
        var pending = dmabuf.CreateParams();
        pending.Add(_memfd, 0, 0, 64, 0, 0);
        var made = dmabuf.CreateParams();
        made.Add(_memfd, 0, 0, 64, 0, 0);
        var buffer = made.CreateImmed(16, 16, Backends.Fourcc.Xrgb8888, 0);
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(2, client.ServerClient.HeldFds);
        pending.Destroy();
        made.Destroy();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(1, client.ServerClient.HeldFds); // the buffer's plane
        buffer.Destroy();
        Assert.Null(client.ErrorAfterRoundtrip());
        Assert.Equal(0, client.ServerClient.HeldFds);
    }
}
