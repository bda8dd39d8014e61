namespace Wayland.Wire;

/// <summary>
/// The fds that clients make the server hold (queued with their messages, or kept by their objects:
/// shm pools, DMA-BUF planes), counted per client and in all, under the process's RLIMIT_NOFILE.
/// One client may hold <see cref="PerClient"/>; all of them together <see cref="Limit"/>, beyond
/// which the largest holder is cut off (<see cref="Exhausted"/>), and a <see cref="Reserve"/> is
/// always left for what must keep working: accepting clients, imports, the renderer and backends.
/// </summary>
public sealed class FdBudget
{
    private int _held;

    public FdBudget(int limit, int perClient, int reserve)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClient, 1);
        Limit = limit;
        PerClient = perClient;
        Reserve = reserve;
    }

    /// <summary>From this process's soft RLIMIT_NOFILE (which the .NET runtime raises to the hard
    /// limit at start): a quarter, at least 256, stays in reserve; a client may hold 1024, as many as
    /// libwayland queues, or an eighth of the rest when that is less.</summary>
    public static FdBudget ForThisProcess()
    {
        var soft = Native.FileLimit()?.Soft ?? 1024;
        var total = (int)Math.Clamp(soft, 512UL, 1 << 20);
        var reserve = Math.Max(256, total / 4);
        var forClients = total - reserve;
        return new FdBudget(forClients, Math.Clamp(forClients / 8, 64, WireConnection.MaxQueuedFds), reserve);
    }

    public int Limit { get; }
    public int PerClient { get; }
    /// <summary>Fds kept out of the clients' reach. Clients may dip into half of it while the largest
    /// holder is being cut off; never further.</summary>
    public int Reserve { get; }
    public int Held => Volatile.Read(ref _held);

    /// <summary>Raised when the clients together hold more than <see cref="Limit"/> (on the thread that
    /// received the fd): the server cuts off the largest holder.</summary>
    public event Action? Exhausted;

    /// <summary>0, or why the fd is refused: <see cref="ReceiveError.FdLimit"/> (the client's share) or
    /// <see cref="ReceiveError.FdBudgetFull"/> (all clients' budget and half the reserve).</summary>
    internal int TryCharge(FdAccount account)
    {
        if (account.Held >= PerClient) return ReceiveError.FdLimit;
        if (Held >= Limit + Reserve / 2) return ReceiveError.FdBudgetFull;
        Interlocked.Increment(ref account.HeldField);
        if (Interlocked.Increment(ref _held) > Limit) Exhausted?.Invoke();
        return 0;
    }

    internal void Refund(FdAccount account, int count)
    {
        Interlocked.Add(ref account.HeldField, -count);
        Interlocked.Add(ref _held, -count);
    }
}

/// <summary>One client's share of the <see cref="FdBudget"/>: every fd received from it is charged
/// here until closed, whoever owns it by then (the receive queue, a handler, an object it made).</summary>
public sealed class FdAccount(FdBudget budget)
{
    internal int HeldField;

    public FdBudget Budget { get; } = budget;
    public int Held => Volatile.Read(ref HeldField);

    internal int TryCharge() => Budget.TryCharge(this);
    /// <summary>Called when a charged fd is closed; may run on the finalizer thread.</summary>
    internal void Refund(int count = 1) => Budget.Refund(this, count);
}
