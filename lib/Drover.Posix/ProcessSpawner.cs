using System.Runtime.InteropServices;
using Drover.Posix.Interop;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>
/// Starts processes with glibc's posix_spawn. Never System.Diagnostics.Process: the executor reaps every child
/// with waitpid(-1) (see <see cref="ChildReaper"/>), which would take the exits Process waits for, and Process
/// fails fast when its own waitpid finds the child already gone.
/// </summary>
/// <remarks>
/// glibc (2.24 and later) spawns with clone(CLONE_VM | CLONE_VFORK): the parent sleeps until the child has
/// exec'd or failed, and a failure in the child (a file action such as chdir, or the exec itself) comes back as
/// posix_spawn's return value. glibc then waits for that failed child with waitpid(pid), racing our reaper's
/// waitpid(-1): the reaper may report an exit with status 127 for a pid no Spawn returned. Callers ignore
/// exits of pids they do not know.
/// <para>
/// Every descriptor we open is O_CLOEXEC, and the child also closes everything from fd 3 up
/// (posix_spawn_file_actions_addclosefrom_np), so it receives only 0, 1 and 2 whatever native code in our
/// process may have opened without O_CLOEXEC.
/// </para>
/// <para>
/// The child gets an empty signal mask and default dispositions for every signal: the .NET runtime ignores
/// SIGPIPE (and NativeAOT does the same in PalInit), ignored dispositions survive exec, and a service must not
/// inherit that.
/// </para>
/// </remarks>
public static unsafe class ProcessSpawner
{
    public static SpawnedProcess Spawn(SpawnRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        var workingDirectory = CheckWorkingDirectory(request);
        var path = ExecutableResolver.Resolve(request.Executable, request.Environment, workingDirectory);

        using var strings = new NativeStrings();
        var stdio = new StdioSetup();
        try
        {
            stdio.Prepare(0, request.Stdin, request.Executable);
            stdio.Prepare(1, request.Stdout, request.Executable);
            stdio.Prepare(2, request.Stderr, request.Executable);

            var actions = strings.Zeroed(Libc.FileActionsSize);
            var attributes = strings.Zeroed(Libc.SpawnAttrSize);
            Check(Libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try
            {
                Check(Libc.posix_spawnattr_init(attributes), "posix_spawnattr_init");
                try
                {
                    stdio.AddActions(actions);
                    Check(Libc.posix_spawn_file_actions_addchdir_np(actions, strings.String(workingDirectory)), "posix_spawn_file_actions_addchdir_np");
                    Check(Libc.posix_spawn_file_actions_addclosefrom_np(actions, 3), "posix_spawn_file_actions_addclosefrom_np");
                    SetAttributes(attributes, request.NewSession, strings);

                    var argv = strings.Array(request.Arguments);
                    var envp = strings.Array(FormatEnvironment(request.Environment));
                    int pid;
                    var error = Libc.posix_spawn(&pid, strings.String(path), actions, attributes, argv, envp);
                    if (error != 0)
                    {
                        throw new ProcessSpawnException(request.Executable, error, $"exec of '{path}' in '{workingDirectory}' failed");
                    }

                    ChildReaper.NotifyChildStarted();
                    var processGroupId = request.NewSession ? pid : Libc.getpgrp();
                    return stdio.Complete(pid, processGroupId, path);
                }
                finally
                {
                    _ = Libc.posix_spawnattr_destroy(attributes);
                }
            }
            finally
            {
                _ = Libc.posix_spawn_file_actions_destroy(actions);
            }
        }
        catch
        {
            stdio.DisposeParentEnds();
            throw;
        }
        finally
        {
            stdio.CloseChildEnds();
        }
    }

    private static void Validate(SpawnRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.Executable, nameof(request.Executable));
        ArgumentException.ThrowIfNullOrEmpty(request.WorkingDirectory, nameof(request.WorkingDirectory));
        ArgumentNullException.ThrowIfNull(request.Arguments);
        ArgumentNullException.ThrowIfNull(request.Environment);
        ArgumentNullException.ThrowIfNull(request.Stdin);
        ArgumentNullException.ThrowIfNull(request.Stdout);
        ArgumentNullException.ThrowIfNull(request.Stderr);
        if (request.Arguments.Count == 0)
        {
            throw new ArgumentException("argv needs at least argv[0]", nameof(request));
        }

        RejectNul(request.Executable, "the executable");
        RejectNul(request.WorkingDirectory, "the working directory");
        foreach (var argument in request.Arguments)
        {
            ArgumentNullException.ThrowIfNull(argument, nameof(request.Arguments));
            RejectNul(argument, "an argument");
        }

        foreach (var pair in request.Environment)
        {
            if (string.IsNullOrEmpty(pair.Key) || pair.Key.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"environment variable name '{pair.Key}' is empty or contains '='", nameof(request));
            }

            ArgumentNullException.ThrowIfNull(pair.Value, pair.Key);
            RejectNul(pair.Key, "an environment variable name");
            RejectNul(pair.Value, $"environment variable {pair.Key}");
        }
    }

    private static void RejectNul(string value, string what)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"{what} contains a NUL character, which a C string cannot carry");
        }
    }

    private static string CheckWorkingDirectory(SpawnRequest request)
    {
        var directory = Path.GetFullPath(request.WorkingDirectory);
        if (Directory.Exists(directory))
        {
            return directory;
        }

        var errno = File.Exists(directory) ? Errno.ENOTDIR : Errno.ENOENT;
        var reason = errno == Errno.ENOTDIR
            ? $"working directory '{directory}' is not a directory"
            : $"working directory '{directory}' does not exist";
        throw new ProcessSpawnException(request.Executable, errno, reason);
    }

    private static void SetAttributes(void* attributes, bool newSession, NativeStrings strings)
    {
        var empty = strings.Zeroed(Libc.SigSetSize);
        var all = strings.Zeroed(Libc.SigSetSize);
        _ = Libc.sigemptyset(empty);
        // Signals 1 to 64, set as raw bits: sigfillset would leave out glibc's internal signals 32 and 33
        // (SIGCANCEL, SIGSETXID), and the spawn child then sets those to SIG_IGN, which exec keeps. SIGKILL and
        // SIGSTOP cannot be changed; glibc ignores that failure in the child.
        *(ulong*)all = ulong.MaxValue;
        Check(Libc.posix_spawnattr_setsigmask(attributes, empty), "posix_spawnattr_setsigmask");
        Check(Libc.posix_spawnattr_setsigdefault(attributes, all), "posix_spawnattr_setsigdefault");
        short flags = Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF;
        if (newSession)
        {
            flags |= Libc.POSIX_SPAWN_SETSID;
        }

        Check(Libc.posix_spawnattr_setflags(attributes, flags), "posix_spawnattr_setflags");
    }

    private static List<string> FormatEnvironment(IReadOnlyList<KeyValuePair<string, string>> environment)
    {
        var entries = new List<string>(environment.Count);
        foreach (var pair in environment)
        {
            entries.Add(pair.Key + "=" + pair.Value);
        }

        return entries;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new PosixException(call, error);
        }
    }

    /// <summary>The descriptors for the child's 0, 1 and 2, and the pipe ends the caller keeps.</summary>
    private sealed class StdioSetup
    {
        private readonly int[] _childFds = [-1, -1, -1];
        private readonly SafeFileHandle?[] _parentEnds = new SafeFileHandle?[3];

        public void Prepare(int stream, StdioTarget target, string executable)
        {
            ArgumentNullException.ThrowIfNull(target);
            switch (target.Kind)
            {
                case StdioKind.Inherit:
                    break;
                case StdioKind.Null:
                    _childFds[stream] = OpenForChild("/dev/null", stream == 0 ? Libc.O_RDONLY : Libc.O_WRONLY, executable, "/dev/null");
                    break;
                case StdioKind.File:
                    var flags = stream == 0
                        ? Libc.O_RDONLY
                        : Libc.O_WRONLY | Libc.O_CREAT | (target.Append ? Libc.O_APPEND : Libc.O_TRUNC);
                    _childFds[stream] = OpenForChild(target.Path!, flags, executable, StreamName(stream) + " file");
                    break;
                case StdioKind.Handle:
                    _childFds[stream] = DuplicateForChild(target.SharedHandle!);
                    break;
                case StdioKind.Pipe:
                    CreatePipe(stream);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(target), target.Kind, "unknown stdio kind");
            }
        }

        public void AddActions(void* actions)
        {
            for (var stream = 0; stream < 3; stream++)
            {
                if (_childFds[stream] >= 0)
                {
                    // Every child fd is >= 3 (see AboveStdio), so no dup2 here clobbers a later one's source,
                    // and dup2 onto a different number clears O_CLOEXEC on the copy.
                    Check(Libc.posix_spawn_file_actions_adddup2(actions, _childFds[stream], stream), "posix_spawn_file_actions_adddup2");
                }
            }
        }

        public SpawnedProcess Complete(int pid, int processGroupId, string path)
        {
            var spawned = new SpawnedProcess(pid, processGroupId, path)
            {
                StdinWrite = _parentEnds[0],
                StdoutRead = _parentEnds[1],
                StderrRead = _parentEnds[2],
            };
            Array.Clear(_parentEnds);
            return spawned;
        }

        public void CloseChildEnds()
        {
            for (var i = 0; i < 3; i++)
            {
                if (_childFds[i] >= 0)
                {
                    _ = Libc.close(_childFds[i]);
                    _childFds[i] = -1;
                }
            }
        }

        public void DisposeParentEnds()
        {
            foreach (var handle in _parentEnds)
            {
                handle?.Dispose();
            }

            Array.Clear(_parentEnds);
        }

        private void CreatePipe(int stream)
        {
            var fds = stackalloc int[2];
            if (Libc.pipe2(fds, Libc.O_CLOEXEC) != 0)
            {
                throw PosixException.FromLastError("pipe2");
            }

            // stdin: the child reads, we write. stdout/stderr: the child writes, we read.
            var childEnd = stream == 0 ? fds[0] : fds[1];
            var parentEnd = stream == 0 ? fds[1] : fds[0];
            _parentEnds[stream] = new SafeFileHandle(parentEnd, ownsHandle: true);
            _childFds[stream] = AboveStdio(childEnd);
        }

        private static int OpenForChild(string path, int flags, string executable, string what)
        {
            int fd;
            fixed (byte* utf8 = System.Text.Encoding.UTF8.GetBytes(path + "\0"))
            {
                fd = Libc.open(utf8, flags | Libc.O_CLOEXEC, 420 /* 0644 */);
            }

            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new ProcessSpawnException(executable, errno, $"cannot open {what} '{path}'");
            }

            return AboveStdio(fd);
        }

        private static int DuplicateForChild(SafeFileHandle handle)
        {
            var added = false;
            try
            {
                handle.DangerousAddRef(ref added);
                var fd = Libc.fcntl((int)handle.DangerousGetHandle(), Libc.F_DUPFD_CLOEXEC, 3);
                return fd >= 0 ? fd : throw PosixException.FromLastError("fcntl(F_DUPFD_CLOEXEC)");
            }
            finally
            {
                if (added)
                {
                    handle.DangerousRelease();
                }
            }
        }

        /// <summary>
        /// Moves a descriptor to 3 or above. A process started with 0, 1 or 2 closed gets those numbers back
        /// from open/pipe2, and the dup2 sequence in the child would then overwrite a source before using it.
        /// </summary>
        private static int AboveStdio(int fd)
        {
            if (fd >= 3)
            {
                return fd;
            }

            var moved = Libc.fcntl(fd, Libc.F_DUPFD_CLOEXEC, 3);
            var errno = Marshal.GetLastPInvokeError();
            _ = Libc.close(fd);
            return moved >= 0 ? moved : throw new PosixException("fcntl(F_DUPFD_CLOEXEC)", errno);
        }

        private static string StreamName(int stream) => stream switch
        {
            0 => "stdin",
            1 => "stdout",
            _ => "stderr",
        };
    }
}
