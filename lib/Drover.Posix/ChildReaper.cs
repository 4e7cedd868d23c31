using System.Runtime.InteropServices;
using System.Threading.Channels;
using Drover.Posix.Interop;

namespace Drover.Posix;

/// <summary>
/// Reaps every child of this process on one dedicated thread and reports each exit once.
/// </summary>
/// <remarks>
/// <para><b>Why waitpid(-1) and not waitpid(pid) per service.</b> As a child subreaper
/// (<see cref="EnableSubreaper"/>) we inherit every orphaned descendant: a daemonizing service, a grandchild
/// that called setsid, a helper whose parent died. Those pids were never returned by a spawn, so only a wait
/// for any child collects them; without it they stay zombies forever (the init of the host never sees them).
/// It also means this must be the only code in the process that waits for children: System.Diagnostics.Process
/// must not be used beside it.</para>
/// <para><b>No busy loop, no missed child.</b> When waitpid says ECHILD (no children at all) the thread sleeps
/// on an auto-reset event that every spawn sets after the child exists. A spawn that happens after the ECHILD
/// sets the event, so the wait returns; a spawn that happened before it leaves the event set, costing one extra
/// ECHILD round. Orphans cannot arrive while we have no children: the kernel re-parents them to us only when
/// one of our descendants exits, i.e. while its ancestor (our child) is still unreaped, so waitpid(-1) is already
/// blocked in the kernel and picks them up.</para>
/// <para><b>The .NET runtime's own SIGCHLD handling</b> (dotnet/runtime src/native/libs/System.Native/pal_signal.c
/// and ProcessWaitState.Unix.cs). The runtime installs a SIGCHLD handler only when Process registers for it
/// (SystemNative_RegisterForSigChld, on the first Process.Start), when Console configures a terminal
/// (SetTerminalInvalidationHandler, only if stdin is a terminal) or when someone registers
/// PosixSignalRegistration for SIGCHLD. Even with the handler installed, the runtime's signal thread reaps
/// children it does not own (waitpid(-1, WNOHANG)) only when the process is pid 1 or SIGCHLD was SIG_IGN at
/// installation; otherwise it waits only for pids started by Process. So in a process that never uses Process,
/// does not run as pid 1 with a terminal on stdin, and does not register for SIGCHLD, nothing else reaps. If
/// Process were used, our waitpid(-1) could take its child's status and Process' own waitpid(pid) would then get
/// ECHILD, which it answers with Environment.FailFast. <see cref="Start(Action{ChildExit})"/> restores SIGCHLD
/// to SIG_DFL when it was inherited as SIG_IGN or with SA_NOCLDWAIT: in that state the kernel discards exit
/// statuses and waitpid(-1) would only ever say ECHILD.</para>
/// <para><b>Ordering.</b> A short-lived child can be reported before <see cref="ProcessSpawner.Spawn"/> returns
/// its pid. Post exits to the executor's single event loop (and spawn from that loop), so the exit is handled
/// after the spawn's result.</para>
/// </remarks>
public static unsafe class ChildReaper
{
    private static readonly object Gate = new();
    private static readonly AutoResetEvent ChildrenMayExist = new(initialState: true);
    private static Thread? _thread;
    private static Action<ChildExit>? _onExit;
    private static volatile bool _idle;

    /// <summary>Whether <see cref="Start(Action{ChildExit})"/> has been called in this process.</summary>
    public static bool IsStarted => Volatile.Read(ref _thread) is not null;

    /// <summary>
    /// Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER): orphaned descendants are
    /// re-parented to us instead of init. Returns false when the kernel does not know the option (before 3.4);
    /// throws <see cref="PosixException"/> for any other failure.
    /// </summary>
    public static bool EnableSubreaper()
    {
        if (Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == Errno.EINVAL ? false : throw new PosixException("prctl(PR_SET_CHILD_SUBREAPER)", errno);
    }

    /// <summary>Whether this process is currently a child subreaper.</summary>
    public static bool IsSubreaper
    {
        get
        {
            var value = 0;
            return Libc.prctl(Libc.PR_GET_CHILD_SUBREAPER, (nuint)(&value), 0, 0, 0) == 0
                ? value != 0
                : throw PosixException.FromLastError("prctl(PR_GET_CHILD_SUBREAPER)");
        }
    }

    /// <summary>
    /// Starts the reaper thread; <paramref name="onExit"/> runs on it for every reaped child, including pids no
    /// spawn returned (orphans, failed spawns). Keep it short and non-throwing, e.g. a channel write: an
    /// exception from it ends the process. Only one reaper per process: a second call throws.
    /// </summary>
    public static void Start(Action<ChildExit> onExit)
    {
        ArgumentNullException.ThrowIfNull(onExit);
        lock (Gate)
        {
            if (_thread is not null)
            {
                throw new InvalidOperationException("the child reaper is already running; there is one per process");
            }

            RestoreDefaultSigchld();
            _onExit = onExit;
            var thread = new Thread(Run)
            {
                IsBackground = true,
                Name = "drover-reaper",
            };
            thread.Start();
            Volatile.Write(ref _thread, thread);
        }
    }

    /// <summary>Starts the reaper writing every exit to <paramref name="exits"/> (use an unbounded channel).</summary>
    public static void Start(ChannelWriter<ChildExit> exits)
    {
        ArgumentNullException.ThrowIfNull(exits);
        Start(exit =>
        {
            if (!exits.TryWrite(exit))
            {
                throw new InvalidOperationException($"the exit channel refused the exit of pid {exit.Pid}; it must be unbounded and open");
            }
        });
    }

    /// <summary>
    /// Wakes the reaper after a child was created by other means than <see cref="ProcessSpawner"/>.
    /// Call it after the child exists.
    /// </summary>
    public static void NotifyChildStarted() => ChildrenMayExist.Set();

    /// <summary>True while the reaper sleeps because this process has no children (tests observe it).</summary>
    internal static bool IsIdle => _idle;

    private static void Run()
    {
        var onExit = _onExit!;
        while (true)
        {
            int status;
            var pid = Libc.waitpid(-1, &status, Libc.__WALL);
            if (pid > 0)
            {
                onExit(ChildExit.FromWaitStatus(pid, status));
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            switch (errno)
            {
                case Errno.EINTR:
                    continue;
                case Errno.ECHILD:
                    _idle = true;
                    ChildrenMayExist.WaitOne();
                    _idle = false;
                    continue;
                default:
                    throw new PosixException("waitpid", errno, "(-1)");
            }
        }
    }

    private static void RestoreDefaultSigchld()
    {
        var current = stackalloc byte[Libc.SigActionSize];
        new Span<byte>(current, Libc.SigActionSize).Clear();
        if (Libc.sigaction(Signals.SIGCHLD, null, current) != 0)
        {
            throw PosixException.FromLastError("sigaction", "SIGCHLD");
        }

        var handler = *(nint*)current;
        var flags = *(int*)(current + Libc.SigActionFlagsOffset);
        if (handler != Libc.SIG_IGN && (handler != Libc.SIG_DFL || (flags & Libc.SA_NOCLDWAIT) == 0))
        {
            return;
        }

        var defaults = stackalloc byte[Libc.SigActionSize];
        new Span<byte>(defaults, Libc.SigActionSize).Clear(); // SIG_DFL, empty mask, no flags
        if (Libc.sigaction(Signals.SIGCHLD, defaults, null) != 0)
        {
            throw PosixException.FromLastError("sigaction", "SIGCHLD");
        }
    }
}
