using System.Diagnostics;
using Wayland.Client;

namespace Wayland.Benchmarks;

/// <summary>
/// A second client that keeps doing wl_display.sync round trips on its own thread: what another
/// client feels while the server tears down or is flooded. <see cref="Max"/> is the longest round
/// trip since the last <see cref="Reset"/> (a round trip that was in flight then counts too).
/// </summary>
internal sealed class LatencyProbe : IDisposable
{
    private readonly ClientDisplay _display;
    private readonly Thread _thread;
    private volatile bool _stop;
    private long _maxTicks;
    private long _roundtrips;

    public LatencyProbe(string socketPath)
    {
        _display = ClientDisplay.Connect(socketPath);
        _display.Roundtrip();
        _thread = new Thread(Run) { IsBackground = true, Name = "latency probe" };
        _thread.Start();
    }

    public TimeSpan Max => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _maxTicks));
    public long Roundtrips => Interlocked.Read(ref _roundtrips);
    public Exception? Failure { get; private set; }

    public void Reset() => Interlocked.Exchange(ref _maxTicks, 0);

    private void Run()
    {
        try
        {
            while (!_stop)
            {
                var t = Stopwatch.GetTimestamp();
                _display.Roundtrip();
                var took = Stopwatch.GetTimestamp() - t;
                Interlocked.Increment(ref _roundtrips);
                long seen;
                while (took > (seen = Interlocked.Read(ref _maxTicks)) && Interlocked.CompareExchange(ref _maxTicks, took, seen) != seen) { }
            }
        }
        catch (Exception e) { Failure = e; }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _display.Dispose();
    }
}
