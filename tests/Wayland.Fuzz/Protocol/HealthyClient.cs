using System.Diagnostics;
using Wayland.Client;

namespace Wayland.Fuzz.Protocol;

/// <summary>A well-behaved client on its own thread for the whole run: a wl_display.sync round trip
/// every 100 ms, each of which must complete within <see cref="Limit"/>, whatever the fuzz clients do.</summary>
public sealed class HealthyClient : IDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    private readonly ClientDisplay _display;
    private readonly Thread _thread;
    private volatile bool _stop;

    public HealthyClient(string socketPath)
    {
        _display = ClientDisplay.Connect(socketPath);
        _thread = new Thread(Loop) { IsBackground = true, Name = "healthy client" };
        _thread.Start();
    }

    public int Roundtrips { get; private set; }
    public TimeSpan Slowest { get; private set; }
    /// <summary>Why the client stopped being healthy, or null.</summary>
    public string? Failure { get; private set; }

    private void Loop()
    {
        try
        {
            while (!_stop)
            {
                var time = Stopwatch.StartNew();
                var done = false;
                _display.Display.Sync().Done += (_, _) => done = true;
                while (!done && time.Elapsed < Limit) _display.Dispatch((int)Math.Max(1, (Limit - time.Elapsed).TotalMilliseconds));
                if (time.Elapsed > Slowest) Slowest = time.Elapsed;
                if (!done) { Failure = $"a round trip took longer than {Limit.TotalSeconds} s"; return; }
                Roundtrips++;
                Thread.Sleep(100);
            }
        }
        catch (Exception e) when (e is IOException or WaylandProtocolException)
        {
            Failure = $"the healthy client lost its connection: {e.Message}";
        }
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _display.Dispose();
    }
}
