using Clients.Common;
using DmabufClient.Allocators;
using Tmds.Linux;
using Wayland.Protocols.Client;
using static Tmds.Linux.LibC;

namespace DmabufClient;

/// <summary>
/// What the compositor accepts, as (format, modifier) pairs in its order of preference: from the
/// default feedback and its format table (version 4 and later), or from the modifier events of
/// older versions. The main device names the GPU the compositor imports with, if any.
/// </summary>
internal sealed unsafe class Feedback
{
    private readonly List<(uint Format, ulong Modifier)> _pairs = [];

    public IReadOnlyList<(uint Format, ulong Modifier)> Pairs => _pairs;
    public ulong? MainDevice { get; private set; }
    public uint Version { get; private set; }

    public bool Accepts(uint format, ulong modifier) => _pairs.Contains((format, modifier));
    public IReadOnlyList<ulong> ModifiersOf(uint format) => _pairs.Where(p => p.Format == format).Select(p => p.Modifier).ToList();

    public static Feedback Query(Window window, ZwpLinuxDmabufV1 dmabuf)
    {
        var f = new Feedback { Version = dmabuf.Version };
        if (dmabuf.Version >= 4)
        {
            var feedback = dmabuf.GetDefaultFeedback();
            (uint Format, ulong Modifier)[] table = [];
            var done = false;
            feedback.FormatTable += (_, fd, size) => table = ReadTable(fd.Value, size);
            feedback.MainDevice += (_, dev) => f.MainDevice = dev.Length >= 8 ? BitConverter.ToUInt64(dev) : null;
            feedback.TrancheFormats += (_, indices) =>
            {
                for (var i = 0; i + 2 <= indices.Length; i += 2)
                {
                    var index = BitConverter.ToUInt16(indices[i..]);
                    if (index < table.Length && !f._pairs.Contains(table[index])) f._pairs.Add(table[index]);
                }
            };
            feedback.Done += _ => done = true;
            while (!done && window.Display.Error is null) window.Display.Dispatch(5000);
            feedback.Destroy();
        }
        else
        {
            dmabuf.Format += (_, format) => { if (!f._pairs.Contains((format, Formats.ModifierInvalid))) f._pairs.Add((format, Formats.ModifierInvalid)); };
            dmabuf.Modifier += (_, format, hi, lo) => f._pairs.Add((format, (ulong)hi << 32 | lo));
            window.Display.Roundtrip();
        }
        return f;
    }

    /// <summary>The format table: 16-byte entries of format (u32), padding, modifier (u64).</summary>
    private static (uint, ulong)[] ReadTable(int fd, uint size)
    {
        var p = mmap(null, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) throw new IOException("cannot map the format table");
        try
        {
            var entries = new (uint, ulong)[size / 16];
            for (var i = 0; i < entries.Length; i++)
                entries[i] = (*(uint*)((byte*)p + 16 * i), *(ulong*)((byte*)p + 16 * i + 8));
            return entries;
        }
        finally
        {
            munmap(p, size);
        }
    }
}
