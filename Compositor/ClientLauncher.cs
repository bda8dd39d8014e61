using System.Diagnostics;

namespace Compositor;

/// <summary>Starts the client given after "--" with WAYLAND_DISPLAY pointing at our socket.</summary>
internal static class ClientLauncher
{
    public static Process Start(string[] command, string waylandDisplay)
    {
        var psi = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var a in command[1..]) psi.ArgumentList.Add(a);
        psi.Environment["WAYLAND_DISPLAY"] = waylandDisplay;
        psi.Environment.Remove("WAYLAND_SOCKET");
        // A nested session must not talk to the X server or compositor we were started from.
        psi.Environment.Remove("DISPLAY");
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        if (!process.Start()) throw new InvalidOperationException($"could not start {command[0]}");
        return process;
    }
}
