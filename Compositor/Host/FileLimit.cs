namespace Compositor;

/// <summary>
/// The soft RLIMIT_NOFILE that programs we start should get. The .NET runtime raises its own soft
/// limit to the hard one before Main (we need the room: every client's fds count against it), but
/// programs that use select() break on fds above 1024, so, as sway does, children get back the
/// limit we were started with: our parent's, which we inherited before the runtime raised it.
/// </summary>
internal static class FileLimit
{
    public static readonly int ForChildren = Read();

    private static int Read()
    {
        var own = SoftLimitOf("self") ?? 1024;
        var ppid = ParentPid();
        var parent = ppid > 0 ? SoftLimitOf(ppid.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
        return Math.Min(own, parent ?? 1024);
    }

    private static int ParentPid()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return 0; }
    }

    /// <summary>The soft "Max open files" of /proc/PID/limits; null when unreadable or unlimited.</summary>
    private static int? SoftLimitOf(string pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/limits"))
            {
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var soft = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return int.TryParse(soft, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return null;
    }
}
