using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Compositor.Backends.Native;

namespace Backends.Tests;

/// <summary>The DRM ioctl structs against the sizes their ioctl numbers encode: the kernel reads
/// and writes exactly that many bytes, so a wrong layout corrupts memory or fails with EFAULT.</summary>
public sealed class KmsIoctlTests
{
    [Fact]
    public void AtomicStructsAreTheSizeTheirIoctlsEncode()
    {
        AssertSize<DrmIoctl.ObjGetProperties>(DrmIoctl.IoctlModeObjGetProperties, 32);
        AssertSize<DrmIoctl.GetProperty>(DrmIoctl.IoctlModeGetProperty, 64);
        AssertSize<DrmIoctl.CreateBlob>(DrmIoctl.IoctlModeCreatePropBlob, 16);
        AssertSize<DrmIoctl.DestroyBlob>(DrmIoctl.IoctlModeDestroyPropBlob, 4);
        AssertSize<DrmIoctl.Atomic>(DrmIoctl.IoctlModeAtomic, 56);
    }

    [Fact]
    public void AtomicIoctlsAreReadWriteDrmIoctlsWithTheirNumbers()
    {
        Assert.Equal((ulong)DrmIoctl.IoctlModeGetProperty, Iowr(0xAA, 64));
        Assert.Equal((ulong)DrmIoctl.IoctlModeObjGetProperties, Iowr(0xB9, 32));
        Assert.Equal((ulong)DrmIoctl.IoctlModeAtomic, Iowr(0xBC, 56));
        Assert.Equal((ulong)DrmIoctl.IoctlModeCreatePropBlob, Iowr(0xBD, 16));
        Assert.Equal((ulong)DrmIoctl.IoctlModeDestroyPropBlob, Iowr(0xBE, 4));
    }

    [Fact]
    public void LegacyStructsAreTheSizeTheirIoctlsEncode()
    {
        AssertSize<DrmIoctl.GetCap>(DrmIoctl.IoctlGetCap, 16);
        AssertSize<DrmIoctl.GetCap>(DrmIoctl.IoctlSetClientCap, 16);
        AssertSize<DrmIoctl.CardResources>(DrmIoctl.IoctlModeGetResources, 64);
        AssertSize<DrmIoctl.Crtc>(DrmIoctl.IoctlModeGetCrtc, 104);
        AssertSize<DrmIoctl.Crtc>(DrmIoctl.IoctlModeSetCrtc, 104);
        AssertSize<DrmIoctl.GetEncoder>(DrmIoctl.IoctlModeGetEncoder, 20);
        AssertSize<DrmIoctl.GetConnector>(DrmIoctl.IoctlModeGetConnector, 80);
        AssertSize<DrmIoctl.PageFlip>(DrmIoctl.IoctlModePageFlip, 24);
        AssertSize<DrmIoctl.CreateDumb>(DrmIoctl.IoctlModeCreateDumb, 32);
        AssertSize<DrmIoctl.MapDumb>(DrmIoctl.IoctlModeMapDumb, 16);
        AssertSize<DrmIoctl.DestroyDumb>(DrmIoctl.IoctlModeDestroyDumb, 4);
        AssertSize<DrmIoctl.FbCmd2>(DrmIoctl.IoctlModeAddFb2, 104);
        AssertSize<DrmIoctl.PlaneResources>(DrmIoctl.IoctlModeGetPlaneResources, 16);
        AssertSize<DrmIoctl.GetPlane>(DrmIoctl.IoctlModeGetPlane, 32);
        AssertSize<DrmIoctl.PrimeHandle>(DrmIoctl.IoctlPrimeFdToHandle, 12);
        AssertSize<DrmIoctl.PrimeHandle>(DrmIoctl.IoctlPrimeHandleToFd, 12);
        AssertSize<DrmIoctl.GemClose>(DrmIoctl.IoctlGemClose, 8);
        AssertSize<uint>(DrmIoctl.IoctlModeRmFb, 4);
    }

    /// <summary>A MODE_ID blob must be exactly a drm_mode_modeinfo, or the kernel refuses it.</summary>
    [Fact]
    public void ModeInfoIsTheKernelsSize()
    {
        Assert.Equal(68, Unsafe.SizeOf<DrmIoctl.ModeInfo>());
        Assert.Equal(68, Marshal.SizeOf<DrmIoctl.ModeInfo>());
    }

    private static void AssertSize<T>(nuint request, int size) where T : unmanaged
    {
        Assert.Equal(size, (int)((request >> 16) & 0x3fff));
        Assert.Equal(size, Unsafe.SizeOf<T>());
        Assert.Equal(size, Marshal.SizeOf<T>());
    }

    private static ulong Iowr(uint nr, int size) => 0xC0000000u | (uint)size << 16 | 'd' << 8 | nr;
}
