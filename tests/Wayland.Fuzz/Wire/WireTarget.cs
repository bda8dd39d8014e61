using Compositor.Tests.Harness;
using Wayland.Fuzz.Harness;
using static Tmds.Linux.LibC;

namespace Wayland.Fuzz.Wire;

/// <summary>
/// The afl target: one input is everything one client sends (see <see cref="WireInput"/>), fed over a
/// socketpair to a server-side <see cref="Wayland.Server.Client"/> of the in-process compositor core,
/// so it crosses WireConnection's input and fd queue, MessageReader and every generated dispatcher
/// into the compositor's handlers. A crash is an exception out of the event loop, an error the core
/// logged (a handler threw and was only contained), a client still alive after it hung up, or an fd
/// of this process still open once the client is gone.
/// </summary>
public sealed class WireTarget : IDisposable
{
    private readonly ErrorSink _errors = new();
    private readonly InProcessCompositor _compositor;

    public WireTarget()
    {
        _compositor = new InProcessCompositor(640, 480, log: _errors.CreateLogger());
        // The first client makes the core open what it keeps for good (the keymap's memfd); run one
        // so that the fd accounting of real inputs starts from there.
        Run(ReadOnlyMemory<byte>.Empty);
    }

    public int Executions { get; private set; }

    /// <summary>The wl_display.error the last input earned, or null (for replay reports).</summary>
    public string? LastError => ServerError.Find(_received.ToArray());

    private readonly List<byte> _received = [];

    public void Run(ReadOnlyMemory<byte> input) => Run(input, retryOnLeak: true);

    /// <param name="retryOnLeak">An fd still open after an input is run once more: a leak of the
    /// compositor's leaks again on the same input, while something the process opens once and keeps
    /// (the .NET runtime sets up a few things lazily, a pipe among them) does not. Seen every few
    /// thousand inputs, never on replay in a fresh process.</param>
    private void Run(ReadOnlyMemory<byte> input, bool retryOnLeak)
    {
        Executions++;
        _errors.Clear();
        _received.Clear();
        var baseline = FdCount.SnapshotSelf();
        var (serverFd, clientFd) = Wayland.Wire.Native.SocketPair();
        var client = _compositor.Display.CreateClient(serverFd);
        try
        {
            foreach (var segment in WireInput.Parse(input))
                if (!Send(clientFd, segment)) break;
            _compositor.Frame();
            _compositor.Pump(2);
            // Read what the compositor sent before hanging up, as a client would: fds still queued in a
            // socket closed unread (wl_data_source.send handing our own pipe back) are freed by the
            // kernel some time later, and the fd check would count them as the compositor's.
            RawSocket.Drain(clientFd, b => _received.AddRange(b));
        }
        finally
        {
            close(clientFd);
        }
        for (var i = 0; i < 50 && !client.IsDestroyed; i++) _compositor.Pump(1);

        if (_errors.Errors.Count > 0) throw new FuzzFailure($"the compositor logged an error: {_errors.Errors[0]}");
        if (!client.IsDestroyed) throw new FuzzFailure("the client is still connected after it hung up");
        var leaked = FdCount.SnapshotSelf().Where(fd => !baseline.TryGetValue(fd.Key, out var was) || was != fd.Value).ToList();
        if (leaked.Count > 0 && retryOnLeak)
        {
            Run(input, retryOnLeak: false);
            return;
        }
        if (leaked.Count > 0)
            throw new FuzzFailure($"{leaked.Count} fd(s) still open after the client left: {string.Join(", ", leaked.Select(fd => $"{fd.Key} -> {fd.Value}"))}");
    }

    /// <summary>Sends one segment, letting the compositor read whenever the socket is full. False once the
    /// compositor has closed the connection (after a protocol error: the rest of the input is moot).</summary>
    private bool Send(int socket, WireInput.Segment segment)
    {
        if (segment.Bytes.IsEmpty) return true;
        var made = new SentFd[segment.Fds.Length];
        Span<int> fds = stackalloc int[made.Length];
        for (var i = 0; i < made.Length; i++) { made[i] = Fds.Create(segment.Fds[i]); fds[i] = made[i].Fd; }
        try
        {
            var bytes = segment.Bytes.Span;
            var attempts = 0;
            do
            {
                var n = RawSocket.Send(socket, bytes, fds);
                if (n == -EAGAIN && attempts++ < 100) { _compositor.Pump(1); continue; }
                if (n < 0) return false;
                bytes = bytes[(int)n..];
                fds = default;
                _compositor.Pump(1);
                if (!RawSocket.Drain(socket, b => _received.AddRange(b))) return false;
            } while (bytes.Length > 0);
            return true;
        }
        finally
        {
            foreach (var fd in made) fd.Release();
        }
    }

    public void Dispose() => _compositor.Dispose();
}
