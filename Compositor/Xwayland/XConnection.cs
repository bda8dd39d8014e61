using System.Buffers.Binary;
using System.Text;

namespace Compositor.Xwayland;

/// <summary>A property's value as the server returned it: its type, format (8, 16 or 32) and bytes.</summary>
internal readonly record struct XProperty(uint Type, int Format, byte[] Value)
{
    public bool Exists => Type != Xcb.None;

    public string AsString() => Encoding.UTF8.GetString(Value).TrimEnd('\0');

    public uint[] AsUInt32s()
    {
        if (Format != 32) return [];
        var result = new uint[Value.Length / 4];
        for (var i = 0; i < result.Length; i++) result[i] = BinaryPrimitives.ReadUInt32LittleEndian(Value.AsSpan(4 * i));
        return result;
    }

    public uint First => Format == 32 && Value.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(Value) : 0;
}

/// <summary>
/// The window manager's XCB connection to Xwayland, owned once: requests in C# terms and replies
/// read and freed here. Round trips (atoms, properties) block, as in weston's and wlroots' window
/// managers; Xwayland answers them without waiting on us.
/// </summary>
internal sealed unsafe class XConnection : IDisposable
{
    private nint _c;

    private XConnection(nint c, uint root, Xcb.Screen* screen)
    {
        _c = c;
        Root = root;
        Screen = screen;
    }

    /// <summary>Connects over the fd Xwayland's -wm end pairs with; the connection owns the fd from then on.</summary>
    public static XConnection Connect(int fd)
    {
        var c = Xcb.ConnectToFd(fd, 0);
        if (Xcb.ConnectionHasError(c) != 0)
        {
            Xcb.Disconnect(c);
            throw new IOException("the X11 window manager connection to Xwayland failed");
        }
        var screen = Xcb.SetupRootsIterator(Xcb.GetSetup(c)).Data;
        return new XConnection(c, screen->Root, screen);
    }

    public nint Handle => _c;
    public uint Root { get; }
    public Xcb.Screen* Screen { get; }
    public int Fd => Xcb.GetFileDescriptor(_c);
    public bool HasError => Xcb.ConnectionHasError(_c) != 0;

    public uint GenerateId() => Xcb.GenerateId(_c);
    public void Flush() => Xcb.Flush(_c);

    public uint[] InternAtoms(string[] names)
    {
        var cookies = new uint[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var bytes = Encoding.ASCII.GetBytes(names[i]);
            fixed (byte* p = bytes) cookies[i] = Xcb.InternAtom(_c, 0, (ushort)bytes.Length, p);
        }
        var atoms = new uint[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var reply = Xcb.InternAtomReply(_c, cookies[i], null);
            if (reply is null) throw new IOException($"interning the X atom {names[i]} failed");
            atoms[i] = *(uint*)(reply + 8);
            Xcb.Free(reply);
        }
        return atoms;
    }

    public string AtomName(uint atom)
    {
        var reply = Xcb.GetAtomNameReply(_c, Xcb.GetAtomName(_c, atom), null);
        if (reply is null) return "";
        var len = *(ushort*)(reply + 8);
        var name = Encoding.ASCII.GetString(reply + 32, len);
        Xcb.Free(reply);
        return name;
    }

    /// <summary>Reads a property whole (up to 1 MiB: titles, hints, selection data beyond that come INCR).</summary>
    public XProperty GetProperty(uint window, uint property, uint type = Xcb.AtomAny, bool delete = false)
    {
        var reply = Xcb.GetPropertyReply(_c, Xcb.GetProperty(_c, (byte)(delete ? 1 : 0), window, property, type, 0, 1 << 18), null);
        if (reply is null) return default;
        var format = reply[1];
        var actualType = *(uint*)(reply + 8);
        var count = *(uint*)(reply + 16);
        var bytes = new byte[checked((int)count * (format / 8))];
        new ReadOnlySpan<byte>(reply + 32, bytes.Length).CopyTo(bytes);
        Xcb.Free(reply);
        return new XProperty(actualType, format, bytes);
    }

    public void SetProperty(uint window, uint property, uint type, ReadOnlySpan<uint> values)
    {
        fixed (uint* p = values) Xcb.ChangeProperty(_c, Xcb.PropModeReplace, window, property, type, 32, (uint)values.Length, p);
    }

    public void SetProperty(uint window, uint property, uint type, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes) Xcb.ChangeProperty(_c, Xcb.PropModeReplace, window, property, type, 8, (uint)bytes.Length, p);
    }

    public void DeleteProperty(uint window, uint property) => Xcb.DeleteProperty(_c, window, property);

    /// <summary>A 32-bit ClientMessage to a window (WM_PROTOCOLS messages, _NET_WM_STATE answers).</summary>
    public void SendClientMessage(uint window, uint type, ReadOnlySpan<uint> data, uint eventMask = 0)
    {
        var e = stackalloc byte[32];
        new Span<byte>(e, 32).Clear();
        e[0] = Xcb.ClientMessage;
        e[1] = 32;
        *(uint*)(e + 4) = window;
        *(uint*)(e + 8) = type;
        for (var i = 0; i < data.Length && i < 5; i++) *(uint*)(e + 12 + 4 * i) = data[i];
        Xcb.SendEvent(_c, 0, window, eventMask, e);
    }

    /// <summary>Moves and sizes a window (and restacks it when <paramref name="stackMode"/> is given).</summary>
    public void Configure(uint window, int x, int y, int width, int height)
    {
        var values = stackalloc uint[5];
        values[0] = (uint)x;
        values[1] = (uint)y;
        values[2] = (uint)Math.Max(1, width);
        values[3] = (uint)Math.Max(1, height);
        values[4] = 0;
        Xcb.ConfigureWindow(_c, window, Xcb.ConfigX | Xcb.ConfigY | Xcb.ConfigWidth | Xcb.ConfigHeight | Xcb.ConfigBorderWidth, values);
    }

    public void Restack(uint window, uint stackMode)
    {
        var value = stackMode;
        Xcb.ConfigureWindow(_c, window, Xcb.ConfigStackMode, &value);
    }

    /// <summary>Runs one checked request; false (and the error code) when the server refused it.</summary>
    public bool Check(uint cookie, out int errorCode)
    {
        var error = Xcb.RequestCheck(_c, cookie);
        errorCode = error is null ? 0 : error[1];
        if (error is not null) Xcb.Free(error);
        return error is null;
    }

    /// <summary>The next queued event (32 bytes, copied out so nothing native outlives the call), or false.</summary>
    public bool TryPollEvent(Span<byte> eventBytes)
    {
        var e = Xcb.PollForEvent(_c);
        if (e is null) return false;
        new ReadOnlySpan<byte>(e, 32).CopyTo(eventBytes);
        Xcb.Free(e);
        return true;
    }

    public void Dispose()
    {
        if (_c == 0) return;
        Xcb.Disconnect(_c);
        _c = 0;
    }
}
