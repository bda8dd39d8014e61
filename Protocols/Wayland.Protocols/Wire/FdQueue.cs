namespace Wayland.Wire;

/// <summary>
/// Received fds waiting for the messages that carry them, in arrival order. Each entry remembers the
/// stream offset of the chunk it arrived with, so the connection can tell an fd that no message will
/// ever claim. Bounded: a peer cannot make us hold more than <see cref="Capacity"/> fds.
/// </summary>
internal sealed class FdQueue
{
    private readonly int[] _fds;
    private readonly long[] _arrival;
    private int _head, _count;

    public FdQueue(int capacity) { _fds = new int[capacity]; _arrival = new long[capacity]; }

    public int Count => _count;
    public int Capacity => _fds.Length;
    public bool IsFull => _count == _fds.Length;

    public void Enqueue(int fd, long arrivalOffset)
    {
        if (IsFull) throw new InvalidOperationException("fd queue full");
        var i = (_head + _count) % _fds.Length;
        _fds[i] = fd; _arrival[i] = arrivalOffset; _count++;
    }

    public int Dequeue()
    {
        if (_count == 0) throw new InvalidOperationException("fd queue empty");
        var fd = _fds[_head];
        _head = (_head + 1) % _fds.Length; _count--;
        return fd;
    }

    /// <summary>The i-th queued fd without removing it (for protocol traces).</summary>
    public int Peek(int i) => _fds[(_head + i) % _fds.Length];

    /// <summary>The stream offset recorded with the i-th queued fd.</summary>
    public long PeekOffset(int i) => _arrival[(_head + i) % _fds.Length];

    public long OldestArrival => _arrival[_head];

    /// <summary>Closes every queued fd; the queue owns them until a message takes them.</summary>
    public void CloseAll()
    {
        while (_count > 0) Native.Close(Dequeue());
    }
}
