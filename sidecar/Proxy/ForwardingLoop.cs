using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Drover.Sidecar.Proxy;

/// <summary>Something a loop watches: told of its descriptors' readiness, on the loop's thread.</summary>
internal interface IPolled
{
    /// <param name="events">The epoll event mask.</param>
    /// <param name="side">Which of its descriptors (0 or 1).</param>
    void OnEvents(uint events, int side);
}

/// <summary>
/// One forwarding thread: an edge-triggered epoll set over the sockets of the connections it owns, as an
/// HAProxy thread has. A connection is owned by one loop from <see cref="Post"/>ed start to close: only the
/// loop's thread reads, writes or closes its sockets, so nothing in it is locked. Other threads talk to
/// the loop through a queue of commands and an eventfd that wakes it.
/// <para>
/// Why not the runtime's socket engine: its <c>ReceiveAsync</c> tries a read before it waits, so each
/// message costs a second recv that finds nothing (4 recv per request and answer against HAProxy's 2,
/// measured with perf), and all of its completions run on one epoll thread. Here a short read means the
/// socket is empty (an edge comes with the next segment), and there is a loop per core.
/// </para>
/// </summary>
internal sealed unsafe class ForwardingLoop : IDisposable
{
    private const int MaxEvents = 256;
    private const ulong WakeToken = ulong.MaxValue;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly Lock _postGate = new();
    private readonly ConcurrentQueue<Command> _commands = new();
    private readonly Stack<int> _freeSlots = new();
    private Slot[] _slots = new Slot[64];
    private int _slotCount;
    private List<ProxyConnection> _again = [];
    private List<ProxyConnection> _turning = [];
    private int _wakePending;
    private bool _stopping;
    private bool _stopped;

    public ForwardingLoop(string name)
    {
        _epoll = Native.EpollCreate(Native.EPOLL_CLOEXEC);
        if (_epoll < 0)
        {
            throw new IOException($"epoll_create1 failed: errno {Native.Errno}");
        }
        _wake = Native.EventFd(0, Native.EFD_NONBLOCK | Native.EFD_CLOEXEC);
        if (_wake < 0)
        {
            var errno = Native.Errno;
            Native.Close(_epoll);
            throw new IOException($"eventfd failed: errno {errno}");
        }
        // Level-triggered: the loop reads the counter back to zero each time it wakes.
        var wake = new Native.EpollEvent { Events = Native.EPOLLIN, Data = WakeToken };
        if (Native.EpollControl(_epoll, Native.EPOLL_CTL_ADD, _wake, &wake) < 0)
        {
            var errno = Native.Errno;
            Native.Close(_wake);
            Native.Close(_epoll);
            throw new IOException($"epoll_ctl(ADD eventfd) failed: errno {errno}");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public enum CommandKind
    {
        /// <summary>Take a connection and forward it.</summary>
        Start,

        /// <summary>Close a connection now.</summary>
        Abort,

        /// <summary>Wait for a connecting socket to become writable.</summary>
        WatchConnect,

        /// <summary>Stop waiting for a connect (its timeout passed).</summary>
        CancelConnect,

        Stop,
    }

    /// <summary>Queues a command for the loop (any thread). After the loop stopped, it is carried out here, as a stopped loop would.</summary>
    public void Post(CommandKind kind, object target)
    {
        lock (_postGate)
        {
            if (!_stopped)
            {
                _commands.Enqueue(new Command(kind, target));
                if (Interlocked.Exchange(ref _wakePending, 1) == 0)
                {
                    var one = 1UL;
                    Native.Write(_wake, &one, sizeof(ulong));
                }
                return;
            }
        }
        Refuse(new Command(kind, target));
    }

    /// <summary>Watches <paramref name="fds"/> for <paramref name="member"/>, edge-triggered; returns its slot. On the loop's thread.</summary>
    public int Watch(IPolled member, uint events, params ReadOnlySpan<int> fds)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : NewSlot();
        _slots[slot].Member = member;
        for (var side = 0; side < fds.Length; side++)
        {
            var watched = new Native.EpollEvent { Events = events | Native.EPOLLET, Data = Token(slot, _slots[slot].Generation, side) };
            if (Native.EpollControl(_epoll, Native.EPOLL_CTL_ADD, fds[side], &watched) < 0)
            {
                var errno = Native.Errno;
                for (var added = 0; added < side; added++)
                {
                    Native.EpollControl(_epoll, Native.EPOLL_CTL_DEL, fds[added], null);
                }
                Release(slot);
                throw new IOException($"epoll_ctl(ADD) failed: errno {errno}");
            }
        }
        return slot;
    }

    /// <summary>
    /// Forgets a slot: events still queued for it are dropped (its generation moves on). Its descriptors must
    /// be closed (which takes them out of the set) or passed to <see cref="Unwatch"/>. On the loop's thread.
    /// </summary>
    public void Release(int slot)
    {
        _slots[slot].Member = null;
        _slots[slot].Generation++;
        _freeSlots.Push(slot);
    }

    /// <summary>Takes a descriptor that stays open out of the set. On the loop's thread.</summary>
    public void Unwatch(int fd) => Native.EpollControl(_epoll, Native.EPOLL_CTL_DEL, fd, null);

    /// <summary>A connection that stopped reading for fairness, with data left: it gets another turn after this round of events.</summary>
    public void Again(ProxyConnection connection) => _again.Add(connection);

    public void Dispose()
    {
        Post(CommandKind.Stop, this);
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private static ulong Token(int slot, uint generation, int side) => ((ulong)generation << 32) | ((uint)slot << 1) | (uint)side;

    private int NewSlot()
    {
        if (_slotCount == _slots.Length)
        {
            Array.Resize(ref _slots, _slots.Length * 2);
        }
        _slots[_slotCount].Generation = 1;
        return _slotCount++;
    }

    private void Run()
    {
        var events = (Native.EpollEvent*)NativeMemory.Alloc(MaxEvents, (nuint)sizeof(Native.EpollEvent));
        try
        {
            while (!_stopping)
            {
                // Without waiting while a connection has a turn left over.
                var count = Native.EpollWait(_epoll, events, MaxEvents, _again.Count > 0 ? 0 : -1);
                if (count < 0)
                {
                    var errno = Native.Errno;
                    if (errno == Native.EINTR)
                    {
                        continue;
                    }
                    throw new IOException($"epoll_wait failed: errno {errno}");
                }
                for (var i = 0; i < count; i++)
                {
                    Dispatch(events[i].Data, events[i].Events);
                }
                TurnAgain();
            }
        }
        finally
        {
            NativeMemory.Free(events);
            StopEverything();
        }
    }

    private void Dispatch(ulong token, uint events)
    {
        if (token == WakeToken)
        {
            RunCommands();
            return;
        }
        var slot = (int)((uint)token >> 1);
        if (slot >= _slotCount || _slots[slot].Generation != (uint)(token >> 32) || _slots[slot].Member is not { } member)
        {
            // For a connection closed earlier in this round.
            return;
        }
        member.OnEvents(events, (int)(token & 1));
    }

    private void RunCommands()
    {
        // The eventfd is read to zero first, and only then is the flag cleared. The other order lost wake-ups
        // (issue 13's hang: the bench at 64 connections, then ForwardingLoopTests): flag cleared, a poster sees
        // it clear and writes the eventfd, the loop's read takes that write away with the earlier one; the
        // flag stays set with the counter at zero, so no later poster writes again and the loop sleeps in
        // epoll_wait with its queue filling (new connections never attached, their first bytes unread).
        // In this order, between the read and the clear no poster writes (the flag is still set from the
        // write that woke us); every poster that saw the flag set enqueued before the clear, so the drain
        // below (after the full fence of the exchange) finds its command; and every poster after the clear
        // writes the eventfd anew, which wakes the loop again (at worst once with nothing left to do).
        var counter = 0UL;
        Native.Read(_wake, &counter, sizeof(ulong));
        Interlocked.Exchange(ref _wakePending, 0);
        while (_commands.TryDequeue(out var command))
        {
            Carry(command);
        }
    }

    private void Carry(Command command)
    {
        switch (command.Kind)
        {
            case CommandKind.Start:
                ((ProxyConnection)command.Target).Attach();
                break;
            case CommandKind.Abort:
                ((ProxyConnection)command.Target).Close();
                break;
            case CommandKind.WatchConnect:
                ((PendingConnect)command.Target).Watch();
                break;
            case CommandKind.CancelConnect:
                ((PendingConnect)command.Target).Cancel();
                break;
            case CommandKind.Stop:
                _stopping = true;
                break;
        }
    }

    private void TurnAgain()
    {
        if (_again.Count == 0)
        {
            return;
        }
        (_turning, _again) = (_again, _turning);
        foreach (var connection in _turning)
        {
            connection.Resume();
        }
        _turning.Clear();
    }

    /// <summary>The loop ends: every connection it owns is closed, every connect it waits for cancelled.</summary>
    private void StopEverything()
    {
        lock (_postGate)
        {
            _stopped = true;
        }
        while (_commands.TryDequeue(out var command))
        {
            Refuse(command);
        }
        for (var slot = 0; slot < _slotCount; slot++)
        {
            switch (_slots[slot].Member)
            {
                case ProxyConnection connection:
                    connection.Close();
                    break;
                case PendingConnect connect:
                    connect.Cancel();
                    break;
            }
        }
        Native.Close(_wake);
        Native.Close(_epoll);
    }

    /// <summary>A command for a loop that no longer runs: what it would have done on stopping.</summary>
    private static void Refuse(Command command)
    {
        switch (command.Kind)
        {
            case CommandKind.Start or CommandKind.Abort:
                ((ProxyConnection)command.Target).CloseUnattached();
                break;
            case CommandKind.WatchConnect or CommandKind.CancelConnect:
                ((PendingConnect)command.Target).Refuse();
                break;
        }
    }

    private struct Slot
    {
        public uint Generation;
        public IPolled? Member;
    }

    private readonly record struct Command(CommandKind Kind, object Target);
}
