using System.Globalization;
using System.Text;
using Drover.Posix;

namespace Drover.Jmx;

/// <summary>
/// One running helper process: its stdin (requests), a reader thread on its stdout (replies matched to pending
/// requests by id) and one on its stderr (the last few KiB kept for error messages). It breaks exactly once
/// (<see cref="Break"/>): on exit, on a protocol fault, on a timeout the owner decided, or on dispose; breaking
/// kills the process group and fails every pending request with the same exception.
/// </summary>
internal sealed class HelperProcess
{
    private const int StderrTail = 4096;
    private const int InitialBuffer = 16 * 1024;

    private readonly object _gate = new();
    private readonly Dictionary<long, TaskCompletionSource<HelperReply>> _pending = [];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SpawnedProcess _process;
    private readonly FileStream _stdin;
    private readonly Task<ChildExit> _exited;
    private readonly int _maxLineBytes;
    private readonly StderrBuffer _stderr = new(StderrTail);
    private Exception? _broken;

    private HelperProcess(SpawnedProcess process, Task<ChildExit> exited, int maxLineBytes)
    {
        _process = process;
        _exited = exited;
        _maxLineBytes = maxLineBytes;
        _stdin = new FileStream(process.StdinWrite!, FileAccess.Write, bufferSize: 0);
    }

    public int Pid => _process.Pid;

    public bool IsBroken
    {
        get
        {
            lock (_gate)
            {
                return _broken is not null;
            }
        }
    }

    /// <summary>Why it broke (null while it works).</summary>
    public Exception? Failure
    {
        get
        {
            lock (_gate)
            {
                return _broken;
            }
        }
    }

    /// <summary>The process' exit, once reaped.</summary>
    public Task<ChildExit> Exited => _exited;

    /// <summary>Spawns the helper (its own session, so a kill takes its whole group) and starts its readers.</summary>
    public static HelperProcess Start(JmxHelperOptions options)
    {
        SpawnedProcess process;
        Task<ChildExit> exited;
        try
        {
            process = ExitWaiters.Spawn(new SpawnRequest
            {
                Executable = options.Executable,
                Arguments = options.Arguments,
                Environment = options.Environment,
                WorkingDirectory = options.WorkingDirectory,
                Stdin = StdioTarget.Pipe,
                Stdout = StdioTarget.Pipe,
                Stderr = StdioTarget.Pipe,
                NewSession = true,
            }, out exited);
        }
        catch (PosixException e)
        {
            throw new JmxHelperFailedException($"cannot start the JMX helper '{options.Executable}': {e.Message}", e);
        }

        var helper = new HelperProcess(process, exited, options.MaxLineBytes);
        helper.StartThread(helper.ReadReplies, "drover-jmx-stdout");
        helper.StartThread(helper.ReadStderr, "drover-jmx-stderr");
        return helper;
    }

    /// <summary>Writes the credentials line; must come before any request.</summary>
    public Task SendCredentialsAsync(JmxCredentials credentials, CancellationToken cancellation) =>
        WriteAsync(HelperProtocol.Credentials(credentials), cancellation);

    /// <summary>
    /// Sends one request line and waits for the reply with its id. Cancellation only stops the wait (the
    /// request stays with the helper); the owner decides whether a timeout breaks the helper.
    /// </summary>
    public async Task<HelperReply> SendAsync(long id, byte[] line, CancellationToken cancellation)
    {
        var reply = new TaskCompletionSource<HelperReply>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_broken is not null)
            {
                throw _broken;
            }

            _pending.Add(id, reply);
        }

        try
        {
            await WriteAsync(line, cancellation).ConfigureAwait(false);
            return await reply.Task.WaitAsync(cancellation).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _pending.Remove(id);
            }
        }
    }

    private async Task WriteAsync(byte[] line, CancellationToken cancellation)
    {
        await _writeGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            // A pipe write blocks when the helper stops reading; run it off the caller's thread so the
            // caller's timeout still fires, and a kill (EPIPE) ends it.
            await Task.Run(() =>
            {
                _stdin.Write(line);
                _stdin.Flush();
            }, CancellationToken.None).WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // EPIPE: the helper has gone (a write can beat the reader to its end of output); say how it ended.
            var how = await HowItEndedAsync(e.Message).ConfigureAwait(false);
            throw Break(new JmxHelperFailedException($"the JMX helper (pid {Pid}) stopped reading its stdin: {how}{StderrSuffix()}", e));
        }
        catch (ObjectDisposedException e)
        {
            throw Failure ?? new JmxHelperFailedException("the JMX helper was stopped", e);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Marks the helper broken (first call wins), kills its group and fails every pending request with the
    /// first cause. Returns that cause, so call sites read <c>throw Break(...)</c>.
    /// </summary>
    public Exception Break(Exception cause)
    {
        List<TaskCompletionSource<HelperReply>> pending;
        lock (_gate)
        {
            if (_broken is not null)
            {
                return _broken;
            }

            _broken = cause;
            pending = [.. _pending.Values];
            _pending.Clear();
        }

        Signals.SendToGroup(_process.ProcessGroupId, Signals.SIGKILL);
        foreach (var request in pending)
        {
            request.TrySetException(cause);
        }

        _stdin.Dispose();
        return cause;
    }

    /// <summary>Closes stdin (the helper exits at end of input), waits a little, then kills.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        try
        {
            await _writeGate.WaitAsync(patience).ConfigureAwait(false);
            _stdin.Dispose();
        }
        catch (IOException)
        {
            // Already gone.
        }

        try
        {
            await _exited.WaitAsync(patience).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Ignored stdin's end (a hung worker): killed below.
        }

        Break(new JmxHelperFailedException("the JMX helper was stopped"));
        await _exited.ConfigureAwait(false);
    }

    private void StartThread(Action body, string name)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
    }

    private void ReadReplies()
    {
        using var stdout = new FileStream(_process.StdoutRead!, FileAccess.Read, bufferSize: 0);
        var buffer = new byte[Math.Min(InitialBuffer, _maxLineBytes + 1)];
        var start = 0;
        var end = 0;
        try
        {
            while (true)
            {
                if (end == buffer.Length)
                {
                    if (start > 0)
                    {
                        buffer.AsSpan(start, end - start).CopyTo(buffer);
                        end -= start;
                        start = 0;
                    }
                    else
                    {
                        // Full of one unfinished line still within the limit: grow, up to the limit + 1.
                        Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, _maxLineBytes + 1L));
                    }
                }

                var read = stdout.Read(buffer, end, buffer.Length - end);
                if (read == 0)
                {
                    OnEndOfOutput(end - start);
                    return;
                }

                end += read;
                while (true)
                {
                    var (status, length) = LineFraming.Find(buffer.AsSpan(start, end - start), _maxLineBytes);
                    if (status == LineStatus.NeedMore)
                    {
                        break;
                    }

                    if (status == LineStatus.TooLong)
                    {
                        Break(new JmxHelperFailedException(string.Create(CultureInfo.InvariantCulture,
                            $"the JMX helper (pid {Pid}) sent a line longer than the {_maxLineBytes}-byte limit; it was killed and will be restarted")));
                        return;
                    }

                    var line = buffer.AsSpan(start, length);
                    start += length + 1;
                    if (!OnLine(line))
                    {
                        return;
                    }
                }

                if (start == end)
                {
                    start = end = 0;
                }
            }
        }
        catch (IOException e)
        {
            Break(new JmxHelperFailedException($"reading the JMX helper's output failed: {e.Message}", e));
        }
    }

    /// <summary>Handles one reply line; false when the helper broke the protocol and was killed.</summary>
    private bool OnLine(ReadOnlySpan<byte> line)
    {
        if (line.Trim((byte)' ').IsEmpty || (line.Length == 1 && line[0] == (byte)'\r'))
        {
            return true;
        }

        if (!HelperProtocol.TryParseReply(line, out var reply, out var error))
        {
            Break(new JmxHelperFailedException($"the JMX helper (pid {Pid}) sent a malformed line ({error}): {Preview(line)}; it was killed and will be restarted"));
            return false;
        }

        if (reply.Id is not long id)
        {
            // The helper could not read one of our requests: our writer and it disagree; start over.
            Break(new JmxHelperFailedException($"the JMX helper (pid {Pid}) rejected a request line: {reply.Error}"));
            return false;
        }

        TaskCompletionSource<HelperReply>? waiter;
        lock (_gate)
        {
            _pending.Remove(id, out waiter);
        }

        // No waiter: a request its caller gave up on. Its reply is dropped.
        waiter?.TrySetResult(reply);
        return true;
    }

    private void OnEndOfOutput(int unterminated)
    {
        // The helper closes stdout only by exiting: report how it exited. Blocking is fine on this reader thread.
        var how = HowItEndedAsync("closed its output").GetAwaiter().GetResult();
        var cut = unterminated > 0 ? $" in the middle of a line ({unterminated} bytes)" : "";
        Break(new JmxHelperFailedException($"the JMX helper (pid {Pid}) {how}{cut}{StderrSuffix()}"));
    }

    /// <summary>How the helper ended ("killed by SIGKILL", "exited with code 1") once the reaper knows, which may take a
    /// moment after its pipes close; <paramref name="otherwise"/> if it does not within 5 s.</summary>
    private async Task<string> HowItEndedAsync(string otherwise)
    {
        try
        {
            return (await _exited.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false)).Describe();
        }
        catch (TimeoutException)
        {
            return otherwise;
        }
    }

    private void ReadStderr()
    {
        using var stderr = new FileStream(_process.StderrRead!, FileAccess.Read, bufferSize: 0);
        var chunk = new byte[4096];
        try
        {
            int read;
            while ((read = stderr.Read(chunk, 0, chunk.Length)) > 0)
            {
                _stderr.Append(chunk.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            // The helper is gone; what it wrote is kept.
        }
    }

    private string StderrSuffix()
    {
        var text = _stderr.Text().Trim();
        return text.Length == 0 ? "" : "; its stderr ends with: " + text;
    }

    private static string Preview(ReadOnlySpan<byte> line)
    {
        var shown = line[..Math.Min(line.Length, 120)];
        var text = Encoding.UTF8.GetString(shown).Replace("\r", "\\r", StringComparison.Ordinal);
        return line.Length > shown.Length ? $"'{text}...' ({line.Length} bytes)" : $"'{text}'";
    }

    /// <summary>The last bytes of the helper's stderr.</summary>
    private sealed class StderrBuffer(int capacity)
    {
        private readonly object _gate = new();
        private readonly byte[] _bytes = new byte[capacity];
        private int _length;

        public void Append(ReadOnlySpan<byte> chunk)
        {
            lock (_gate)
            {
                if (chunk.Length >= capacity)
                {
                    chunk[^capacity..].CopyTo(_bytes);
                    _length = capacity;
                    return;
                }

                var drop = Math.Max(0, _length + chunk.Length - capacity);
                _bytes.AsSpan(drop, _length - drop).CopyTo(_bytes);
                _length -= drop;
                chunk.CopyTo(_bytes.AsSpan(_length));
                _length += chunk.Length;
            }
        }

        public string Text()
        {
            lock (_gate)
            {
                return Encoding.UTF8.GetString(_bytes, 0, _length);
            }
        }
    }
}
