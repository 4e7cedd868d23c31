using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Drover.Posix.Interop;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>
/// Makes sure the service process groups we started die with us, even when we are SIGKILLed and get no
/// chance to stop them: a tiny /bin/sh watchdog in its own session reads "add &lt;pgid&gt;" / "del &lt;pgid&gt;"
/// lines from a pipe whose only write end we hold; when we die the kernel closes that end, the watchdog's read
/// hits end of file, and it SIGKILLs every group still listed.
/// </summary>
/// <remarks>
/// <para>The write end is O_CLOEXEC and the spawner closes every fd above 2 in children, so no service holds a
/// copy that would keep the pipe open after our death.</para>
/// <para>Why not PR_SET_PDEATHSIG instead (or as well)? It cannot be set through posix_spawn: there is no
/// hook between clone and exec to call prctl in the child. And the kernel fires it when the <em>thread</em>
/// that created the child exits, not the process (prctl(2): "the parent thread"): the .NET thread
/// pool retires idle threads, which would kill services spuriously. The pipe's lifetime is the process'
/// lifetime, which is exactly the event we want.</para>
/// <para>The watchdog is our child: <see cref="ChildReaper"/> reports its exit. When it dies while we live
/// (someone killed it), call <see cref="Restart"/>; the groups are replayed to the new one.
/// Dispose removes every group and closes the pipe: the watchdog then exits without killing anything.</para>
/// </remarks>
public sealed class OrphanGuard : IDisposable
{
    /// <summary>How many extra SIGKILL rounds the watchdog makes for groups that still have members.</summary>
    public const int RetryRounds = 50;

    private readonly object _gate = new();
    private readonly HashSet<int> _groups = [];
    private SafeFileHandle _pipe;
    private ProcessInfo? _watchdog;
    private bool _disposed;

    public OrphanGuard()
    {
        (_pipe, _watchdog) = StartWatchdog();
    }

    /// <summary>Starts a watchdog; the same as the constructor.</summary>
    public static OrphanGuard Start() => new();

    /// <summary>The /bin/sh script the watchdog runs (POSIX sh; only builtins, so no PATH is needed).</summary>
    public static string Script { get; } = BuildScript();

    /// <summary>The watchdog's pid; compare with <see cref="ChildExit.Pid"/> to notice its death.</summary>
    public int WatchdogPid
    {
        get
        {
            lock (_gate)
            {
                return _watchdog?.Pid ?? 0;
            }
        }
    }

    /// <summary>Whether the watchdog process still runs (it is not a zombie and its pid was not reused).</summary>
    public bool IsAlive
    {
        get
        {
            lock (_gate)
            {
                return !_disposed && IsRunning(_watchdog);
            }
        }
    }

    /// <summary>The groups the watchdog would kill now.</summary>
    public IReadOnlyCollection<int> Groups
    {
        get
        {
            lock (_gate)
            {
                return [.. _groups];
            }
        }
    }

    /// <summary>Lists a process group for killing if we die. Idempotent.</summary>
    public void Add(int processGroupId)
    {
        CheckGroup(processGroupId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_groups.Add(processGroupId))
            {
                Send("add", processGroupId);
            }
        }
    }

    /// <summary>Takes a group off the list (it was reaped or stopped on purpose). Idempotent.</summary>
    public void Remove(int processGroupId)
    {
        CheckGroup(processGroupId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_groups.Remove(processGroupId))
            {
                Send("del", processGroupId);
            }
        }
    }

    /// <summary>
    /// Starts a new watchdog and gives it the current groups. The old one, if it still runs, first gets every
    /// group removed, then its pipe closed, so it exits without killing. Returns this guard (adding the same
    /// groups again afterwards is harmless: <see cref="Add"/> is idempotent).
    /// </summary>
    public OrphanGuard Restart()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Retire();
            (_pipe, _watchdog) = StartWatchdog();
            foreach (var group in _groups)
            {
                Send("add", group);
            }
        }

        return this;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Retire();
            _groups.Clear();
        }
    }

    /// <summary>The write end of the watchdog's pipe.</summary>
    internal SafeFileHandle PipeForTests => _pipe;

    /// <summary>What the kernel does when we are SIGKILLed: the pipe closes with the groups still listed.</summary>
    internal void SimulateOwnerDeath()
    {
        lock (_gate)
        {
            _disposed = true;
            _pipe.Dispose();
        }
    }

    private void Retire()
    {
        foreach (var group in _groups)
        {
            Send("del", group);
        }

        _pipe.Dispose();
    }

    private static (SafeFileHandle Pipe, ProcessInfo? Watchdog) StartWatchdog()
    {
        var spawned = ProcessSpawner.Spawn(new SpawnRequest
        {
            Executable = "/bin/sh",
            Arguments = ["sh", "-c", Script, "drover-orphan-guard"],
            Environment = [],
            WorkingDirectory = "/",
            Stdin = StdioTarget.Pipe,
            Stdout = StdioTarget.Null,
            Stderr = StdioTarget.Null,
            NewSession = true,
        });

        // Remember the start time so IsAlive is not fooled by a reused pid.
        _ = ProcessTree.TryRead(spawned.Pid, out var info);
        return (spawned.StdinWrite!, info ?? new ProcessInfo(spawned.Pid, 0, spawned.Pid, spawned.Pid, "sh", 'R', 0));
    }

    private static bool IsRunning(ProcessInfo? watchdog) =>
        watchdog is not null
        && ProcessTree.TryRead(watchdog.Pid, out var now)
        && !now.IsZombie
        && (watchdog.StartTimeTicks == 0 || now.StartTimeTicks == watchdog.StartTimeTicks);

    /// <summary>
    /// Writes one line. A dead watchdog (EPIPE; SIGPIPE is ignored by the .NET runtime) is not an error here:
    /// the list is kept and <see cref="Restart"/> replays it.
    /// </summary>
    private unsafe void Send(string verb, int group)
    {
        if (_pipe.IsClosed)
        {
            return;
        }

        // "add 4194304\n" is far below PIPE_BUF, so each line reaches the watchdog in one piece.
        var line = Encoding.ASCII.GetBytes(verb + " " + group.ToString(CultureInfo.InvariantCulture) + "\n");
        var added = false;
        try
        {
            _pipe.DangerousAddRef(ref added);
            var fd = (int)_pipe.DangerousGetHandle();
            fixed (byte* bytes = line)
            {
                var offset = 0;
                while (offset < line.Length)
                {
                    var written = Libc.write(fd, bytes + offset, (nuint)(line.Length - offset));
                    if (written >= 0)
                    {
                        offset += (int)written;
                        continue;
                    }

                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    if (errno == Errno.EPIPE)
                    {
                        return;
                    }

                    throw new PosixException("write", errno, "to the orphan guard");
                }
            }
        }
        finally
        {
            if (added)
            {
                _pipe.DangerousRelease();
            }
        }
    }

    private static void CheckGroup(int processGroupId)
    {
        if (processGroupId <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(processGroupId), processGroupId, "a process group id must be above 1");
        }
    }

    private static string BuildScript() => $$"""
        trap '' HUP INT QUIT TERM PIPE
        groups=
        while read -r verb group; do
          case $group in ''|*[!0-9]*|0|1) continue ;; esac
          case $verb in
            add) groups="$groups $group" ;;
            del) kept=; for g in $groups; do [ "$g" = "$group" ] || kept="$kept $g"; done; groups=$kept ;;
          esac
        done
        [ -z "$groups" ] && exit 0
        for g in $groups; do kill -KILL -$g 2>/dev/null; done
        round=0
        while [ $round -lt {{RetryRounds}} ]; do
          alive=
          for g in $groups; do kill -0 -$g 2>/dev/null && alive="$alive $g"; done
          [ -z "$alive" ] && exit 0
          for g in $alive; do kill -KILL -$g 2>/dev/null; done
          groups=$alive
          round=$((round + 1))
        done
        exit 0
        """;
}
