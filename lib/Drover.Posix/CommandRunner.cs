using System.Diagnostics;
using System.Text;
using Drover.Posix.Interop;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>A short command to run to completion (nodetool, riak-admin, a probe's helper).</summary>
public sealed record CommandRequest
{
    /// <summary>Absolute path, or a name looked up on PATH of <see cref="Environment"/>.</summary>
    public required string Executable { get; init; }

    /// <summary>The full argv, argv[0] included.</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public required string WorkingDirectory { get; init; }

    /// <summary>After this the command's process group is killed and the result says TimedOut.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Output kept: the last this many bytes of stdout and stderr together.</summary>
    public int MaxOutputBytes { get; init; } = 64 * 1024;
}

/// <summary>How a command ended, with its (bounded) combined output.</summary>
public sealed record CommandResult(int? ExitCode, int? Signal, bool TimedOut, string Output, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>"exited with status 1", "terminated by signal 9", "timed out after 5s".</summary>
    public string Describe() =>
        TimedOut ? $"timed out after {Elapsed.TotalSeconds:0.###}s"
        : Signal is int signal ? $"terminated by signal {signal}"
        : $"exited with status {ExitCode}";
}

/// <summary>
/// Runs a command in its own session and process group, captures stdout and stderr (interleaved, as a
/// terminal would show them) up to a bound, and kills the whole group on timeout or cancellation, and
/// after the command exits, so nothing it started outlives it or holds the output pipe open.
/// Exits come through <see cref="ExitWaiters"/>: never System.Diagnostics.Process beside our reaper.
/// </summary>
public static class CommandRunner
{
    /// <summary>How long output is still read after the command exited and its group was killed.</summary>
    private static readonly TimeSpan DrainAfterExit = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Runs <paramref name="request"/>. Returns a result for every outcome of the command itself (including a
    /// timeout); throws <see cref="ProcessSpawnException"/> (or another <see cref="PosixException"/>) when it cannot be started and
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellation"/> fires (the group is killed first).
    /// </summary>
    public static async Task<CommandResult> RunAsync(CommandRequest request, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.MaxOutputBytes, 0);
        cancellation.ThrowIfCancellationRequested();

        var (readEnd, writeEnd) = CreatePipe();
        var started = Stopwatch.GetTimestamp();
        SpawnedProcess spawned;
        Task<ChildExit> exited;
        using (writeEnd)
        {
            try
            {
                spawned = ExitWaiters.Spawn(new SpawnRequest
                {
                    Executable = request.Executable,
                    Arguments = request.Arguments,
                    Environment = request.Environment,
                    WorkingDirectory = request.WorkingDirectory,
                    Stdin = StdioTarget.Null,
                    Stdout = StdioTarget.FromHandle(writeEnd),
                    Stderr = StdioTarget.FromHandle(writeEnd),
                    NewSession = true,
                }, out exited);
            }
            catch
            {
                readEnd.Dispose();
                throw;
            }
        }

        var output = new BoundedOutput(request.MaxOutputBytes);
        var reading = Task.Factory.StartNew(() => output.ReadAll(readEnd), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var timedOut = false;
        ChildExit exit;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            timeout.CancelAfter(request.Timeout);
            try
            {
                exit = await exited.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                Signals.SendToGroup(spawned.ProcessGroupId, Signals.SIGKILL);
                exit = await exited.ConfigureAwait(false);
                timedOut = !cancellation.IsCancellationRequested;
            }
        }

        // Whatever the command left running in its group goes too: it would hold the pipe open.
        Signals.SendToGroup(spawned.ProcessGroupId, Signals.SIGKILL);
        try
        {
            await reading.WaitAsync(DrainAfterExit, CancellationToken.None).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A process that left the group (setsid) still holds the pipe; keep what we have.
        }

        cancellation.ThrowIfCancellationRequested();
        return new CommandResult(exit.ExitCode, exit.Signal, timedOut, output.Text(), Stopwatch.GetElapsedTime(started));
    }

    private static unsafe (SafeFileHandle Read, SafeFileHandle Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_CLOEXEC) != 0)
        {
            throw PosixException.FromLastError("pipe2");
        }

        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
    }

    /// <summary>The last <c>max</c> bytes read from a pipe, read on one thread, taken by another.</summary>
    private sealed class BoundedOutput(int max)
    {
        private readonly object _gate = new();
        private readonly byte[] _buffer = new byte[max];
        private int _length;
        private bool _truncated;

        public void ReadAll(SafeFileHandle readEnd)
        {
            using (readEnd)
            using (var stream = new FileStream(readEnd, FileAccess.Read, bufferSize: 0))
            {
                var chunk = new byte[16 * 1024];
                try
                {
                    int read;
                    while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
                    {
                        Append(chunk.AsSpan(0, read));
                    }
                }
                catch (IOException)
                {
                    // The pipe broke; what was read stays.
                }
            }
        }

        private void Append(ReadOnlySpan<byte> bytes)
        {
            lock (_gate)
            {
                if (bytes.Length >= max)
                {
                    _truncated |= _length > 0 || bytes.Length > max;
                    bytes[^max..].CopyTo(_buffer);
                    _length = max;
                    return;
                }

                var drop = _length + bytes.Length - max;
                if (drop > 0)
                {
                    _buffer.AsSpan(drop, _length - drop).CopyTo(_buffer);
                    _length -= drop;
                    _truncated = true;
                }

                bytes.CopyTo(_buffer.AsSpan(_length));
                _length += bytes.Length;
            }
        }

        public string Text()
        {
            lock (_gate)
            {
                var text = Encoding.UTF8.GetString(_buffer, 0, _length);
                return _truncated ? "[...]" + text : text;
            }
        }
    }
}
