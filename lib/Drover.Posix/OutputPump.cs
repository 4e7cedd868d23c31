using System.Runtime.InteropServices;
using Drover.Posix.Interop;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>
/// Copies the output of any number of pipes into their <see cref="RotatingLogFile"/>s on one background thread
/// that poll()s them all. A service blocked on a full pipe would stall, so the thread only ever blocks in poll.
/// </summary>
/// <remarks>
/// Entries added from other threads wake the poll through a self-pipe. At end of file (every writer closed its
/// end, normally because the service and its children exited) the entry is removed, its read end closed and
/// its onClosed callback run on the pump thread. A failed sink write is reported to the error callback and
/// those bytes are dropped, so a full disk cannot stall the services.
/// </remarks>
public sealed unsafe class OutputPump : IDisposable
{
    /// <summary>Bytes read from one pipe per wake-up; the one buffer the pump owns.</summary>
    public const int ReadBufferSize = 64 * 1024;

    private readonly object _gate = new();
    private readonly List<Entry> _pending = [];
    private readonly Action<Exception>? _onSinkError;
    private readonly Thread _thread;
    private readonly int _wakeRead;
    private readonly int _wakeWrite;
    private List<Entry>? _leftOver;
    private int _count;
    private volatile bool _stopping;
    private bool _disposed;

    /// <param name="onSinkError">Told when a sink write fails (the bytes are dropped); runs on the pump thread.</param>
    public OutputPump(Action<Exception>? onSinkError = null)
    {
        _onSinkError = onSinkError;
        var fds = stackalloc int[2];
        if (Libc.pipe2(fds, Libc.O_CLOEXEC | Libc.O_NONBLOCK) != 0)
        {
            throw PosixException.FromLastError("pipe2");
        }

        _wakeRead = fds[0];
        _wakeWrite = fds[1];
        _thread = new Thread(Run) { IsBackground = true, Name = "drover-output-pump" };
        _thread.Start();
    }

    /// <summary>How many pipes are being read (including those just added).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Starts copying <paramref name="readEnd"/> into <paramref name="sink"/>. The pump owns the read end from
    /// now on and closes it at end of file or on Dispose; the sink stays the caller's.
    /// </summary>
    public void Add(SafeFileHandle readEnd, RotatingLogFile sink, Action? onClosed = null)
    {
        ArgumentNullException.ThrowIfNull(readEnd);
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _pending.Add(new Entry(readEnd, sink, onClosed));
            Interlocked.Increment(ref _count);
        }

        Wake();
    }

    /// <summary>
    /// Stops the thread and closes every read end still open (their writers then get EPIPE), running their
    /// onClosed callbacks on the calling thread.
    /// </summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        _stopping = true;
        Wake();
        _thread.Join();
        _ = Libc.close(_wakeRead);
        _ = Libc.close(_wakeWrite);
        foreach (var entry in _leftOver ?? [])
        {
            Close(entry);
        }
    }

    private void Wake()
    {
        byte one = 1;
        // The self-pipe is non-blocking: if it is full, a wake-up is already pending.
        _ = Libc.write(_wakeWrite, &one, 1);
    }

    private void Run()
    {
        var entries = new List<Entry>();
        var buffer = new byte[ReadBufferSize];
        var pollFds = new PollEntry[1];
        try
        {
            while (!_stopping)
            {
                TakePending(entries);
                if (pollFds.Length < entries.Count + 1)
                {
                    pollFds = new PollEntry[(entries.Count + 1) * 2];
                }

                pollFds[0] = new PollEntry(_wakeRead, PollEvents.In, PollEvents.None);
                for (var i = 0; i < entries.Count; i++)
                {
                    pollFds[i + 1] = new PollEntry(entries[i].Fd, PollEvents.In, PollEvents.None);
                }

                if (SocketFd.Poll(pollFds.AsSpan(0, entries.Count + 1), -1, out var errno) < 0)
                {
                    if (errno == Errno.EINTR)
                    {
                        continue;
                    }

                    throw new PosixException("poll", errno, "(output pump)");
                }

                if (pollFds[0].Returned != PollEvents.None)
                {
                    DrainWake();
                }

                // Walk backwards so removing an entry does not shift the ones still to visit.
                for (var i = entries.Count - 1; i >= 0; i--)
                {
                    if (pollFds[i + 1].Returned != PollEvents.None && !Pump(entries[i], buffer))
                    {
                        Close(entries[i]);
                        entries.RemoveAt(i);
                    }
                }
            }
        }
        finally
        {
            TakePending(entries);
            _leftOver = entries;
        }
    }

    /// <summary>One read; false at end of file or on a read error.</summary>
    private bool Pump(Entry entry, byte[] buffer)
    {
        nint read;
        fixed (byte* bytes = buffer)
        {
            do
            {
                read = Libc.read(entry.Fd, bytes, (nuint)buffer.Length);
            }
            while (read < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        }

        if (read < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            // A read end someone set non-blocking may report "nothing yet" after a spurious wake-up.
            return errno == Errno.EAGAIN || Report(new PosixException("read", errno, "(output pump)"));
        }

        if (read == 0)
        {
            return false;
        }

        try
        {
            entry.Sink.Write(buffer.AsSpan(0, (int)read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            Report(e);
        }

        return true;
    }

    private bool Report(Exception e)
    {
        _onSinkError?.Invoke(e);
        return false;
    }

    private void Close(Entry entry)
    {
        entry.ReadEnd.Dispose();
        Interlocked.Decrement(ref _count);
        entry.OnClosed?.Invoke();
    }

    private void TakePending(List<Entry> entries)
    {
        lock (_gate)
        {
            entries.AddRange(_pending);
            _pending.Clear();
        }
    }

    private void DrainWake()
    {
        var scratch = stackalloc byte[64];
        while (Libc.read(_wakeRead, scratch, 64) > 0)
        {
        }
    }

    private sealed class Entry(SafeFileHandle readEnd, RotatingLogFile sink, Action? onClosed)
    {
        public SafeFileHandle ReadEnd { get; } = readEnd;
        public RotatingLogFile Sink { get; } = sink;
        public Action? OnClosed { get; } = onClosed;

        // The pump owns the handle; nothing else closes it while the entry lives.
        public int Fd { get; } = (int)readEnd.DangerousGetHandle();
    }
}
