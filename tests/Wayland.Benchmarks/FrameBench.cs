using System.Diagnostics;

namespace Wayland.Benchmarks;

internal sealed record FrameResult(string Case, int Frames, double ServerCpuMicrosPerFrame, double FramesPerSecond);

/// <summary>
/// Compositor CPU time per frame for a fullscreen 1280x720 shm client that repaints everything each
/// frame, and for one that changes a 64x64 square (damage tracking should make it far cheaper).
/// </summary>
internal static class FrameBench
{
    public const int Width = 1280, Height = 720, Warmup = 30, Frames = 300;

    public static FrameResult Measure(string socketPath, int serverPid, bool full)
    {
        using var client = new ShmClient(socketPath, Width, Height);
        for (var i = 0; i < Warmup; i++) client.Frame(i, full);
        var cpu0 = ServerProcess.CpuTime(serverPid);
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < Frames; i++) client.Frame(Warmup + i, full);
        client.Frame(Warmup + Frames, full); // waits for the last measured frame's callback
        var wall = sw.Elapsed;
        var cpu = ServerProcess.CpuTime(serverPid) - cpu0;
        return new FrameResult(full ? "full repaint" : "64x64 damage", Frames, cpu.TotalMicroseconds / Frames, Frames / wall.TotalSeconds);
    }

    public static void Print(string who, FrameResult r) =>
        Console.WriteLine($"{who,-18} {r.Case,-13} {Width}x{Height}: server CPU {r.ServerCpuMicrosPerFrame,8:F0} us/frame, {r.FramesPerSecond,5:F1} frames/s");
}
