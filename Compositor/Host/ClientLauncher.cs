using System.Diagnostics;

namespace Compositor;

/// <summary>Starts the client given after "--" with WAYLAND_DISPLAY pointing at our socket, or (the
/// input method) with WAYLAND_SOCKET naming an inherited connection.</summary>
internal static class ClientLauncher
{
    /// <param name="activationToken">An xdg_activation token the program may use to focus its first
    /// window (XDG_ACTIVATION_TOKEN, as the xdg-activation protocol names it for launched programs).</param>
    /// <param name="waylandSocket">An inherited fd of a connection made for it (WAYLAND_SOCKET), or -1.</param>
    /// <summary>The X display the compositor's Xwayland serves (":1"), set as DISPLAY for every program started; null: none.</summary>
    public static string? XDisplay { get; set; }

    public static Process Start(string[] command, string waylandDisplay, string? activationToken = null, int waylandSocket = -1)
    {
        // Through sh, which sets the child's soft fd limit back (see FileLimit) and execs the command.
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("ulimit -Sn \"$0\" 2>/dev/null; exec \"$@\"");
        psi.ArgumentList.Add(FileLimit.ForChildren.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var a in command) psi.ArgumentList.Add(a);
        psi.Environment["WAYLAND_DISPLAY"] = waylandDisplay;
        if (waylandSocket >= 0) psi.Environment["WAYLAND_SOCKET"] = waylandSocket.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else psi.Environment.Remove("WAYLAND_SOCKET");
        if (activationToken is not null) psi.Environment["XDG_ACTIVATION_TOKEN"] = activationToken;
        else psi.Environment.Remove("XDG_ACTIVATION_TOKEN");
        // A nested session must not talk to the X server or compositor we were started from: its X
        // programs go to our Xwayland.
        if (XDisplay is not null) psi.Environment["DISPLAY"] = XDisplay;
        else psi.Environment.Remove("DISPLAY");
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        if (!process.Start()) throw new InvalidOperationException($"could not start {command[0]}");
        return process;
    }
}
