using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Wayland.Wire;

/// <summary>
/// WAYLAND_DEBUG: prints every request and event in libwayland's format on stderr, so the habits and
/// scripts people have for libwayland work here. WAYLAND_DEBUG=1 traces both sides, =server or
/// =client one side.
/// </summary>
public static class ProtocolTrace
{
    private static readonly string? Setting = Environment.GetEnvironmentVariable("WAYLAND_DEBUG");

    public static bool Server { get; set; } = Setting is "1" || (Setting?.Contains("server", StringComparison.Ordinal) ?? false);
    public static bool Client { get; set; } = Setting is "1" || (Setting?.Contains("client", StringComparison.Ordinal) ?? false);

    private static TextWriter? _output;

    /// <summary>Where traces go; stderr unless a test redirects it. Opened on first use, so a server
    /// that never traces never touches the console.</summary>
    public static TextWriter Output { get => _output ??= Console.Error; set => _output = value; }

    /// <summary>Formats one message. <paramref name="message"/> includes the 8-byte header.
    /// <paramref name="fds"/> lists the fds the message carries, in argument order.</summary>
    public static string Format(IWaylandObject target, MessageInfo info, ReadOnlySpan<byte> message, bool sent,
        Func<uint, IWaylandObject?> lookup, ReadOnlySpan<int> fds, string? prefix = null)
    {
        var sb = new StringBuilder();
        // libwayland prints CLOCK_REALTIME in microseconds, truncated to 32 bits, as milliseconds.
        var micros = (uint)((DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10);
        sb.Append('[').Append((micros / 1000.0).ToString("0.000", CultureInfo.InvariantCulture).PadLeft(10)).Append("] ");
        if (prefix is not null) sb.Append(prefix);
        if (sent) sb.Append(" -> ");
        sb.Append(target.Interface.Name).Append('@').Append(target.Id).Append('.').Append(info.Name).Append('(');
        var body = message[WireFormat.HeaderSize..];
        var pos = 0;
        var fd = 0;
        for (var i = 0; i < info.Args.Length; i++)
        {
            var arg = info.Args[i];
            if (i > 0) sb.Append(", ");
            if (arg.Type != ArgType.Fd && body.Length - pos < 4) { sb.Append("<truncated>"); break; }
            switch (arg.Type)
            {
                case ArgType.Uint: sb.Append(Word(body, ref pos)); break;
                case ArgType.Int: sb.Append((int)Word(body, ref pos)); break;
                case ArgType.Fixed: sb.Append(new Fixed((int)Word(body, ref pos)).ToString()); break;
                case ArgType.String:
                {
                    var len = (int)Word(body, ref pos);
                    if (len == 0) { sb.Append("nil"); break; }
                    if (len > body.Length - pos) { sb.Append("<truncated>"); pos = body.Length; break; }
                    sb.Append('"').Append(Encoding.UTF8.GetString(body.Slice(pos, len - 1))).Append('"');
                    pos += WireFormat.Padded(len);
                    break;
                }
                case ArgType.Object:
                {
                    var id = Word(body, ref pos);
                    var obj = id == 0 ? null : lookup(id);
                    if (id == 0) sb.Append("nil");
                    else sb.Append(obj?.Interface.Name ?? "[unknown]").Append('@').Append(id);
                    break;
                }
                case ArgType.NewId:
                    if (arg.Interface is null)
                    {
                        // Untyped new_id (wl_registry.bind): interface name and version precede the id.
                        var len = (int)Word(body, ref pos);
                        var name = len > 0 && len <= body.Length - pos ? Encoding.UTF8.GetString(body.Slice(pos, len - 1)) : "[unknown]";
                        pos += WireFormat.Padded(len);
                        if (body.Length - pos < 8) { sb.Append("<truncated>"); break; }
                        var version = Word(body, ref pos);
                        sb.Append('"').Append(name).Append("\", ").Append(version).Append(", new id ").Append(name).Append('@').Append(Word(body, ref pos));
                    }
                    else
                    {
                        var id = Word(body, ref pos);
                        sb.Append("new id ").Append(arg.Interface).Append('@');
                        if (id == 0) sb.Append("nil"); else sb.Append(id);
                    }
                    break;
                case ArgType.Array:
                {
                    var len = (int)Word(body, ref pos);
                    sb.Append("array[").Append(len).Append(']');
                    pos += Math.Min(WireFormat.Padded(len), body.Length - pos);
                    break;
                }
                case ArgType.Fd:
                    sb.Append("fd ").Append(fd < fds.Length ? fds[fd] : -1);
                    fd++;
                    break;
            }
        }
        sb.Append(')');
        return sb.ToString();
    }

    private static uint Word(ReadOnlySpan<byte> body, ref int pos)
    {
        var w = BinaryPrimitives.ReadUInt32LittleEndian(body[pos..]);
        pos += 4;
        return w;
    }

    public static void Write(string line)
    {
        lock (Output) Output.WriteLine(line);
    }
}
