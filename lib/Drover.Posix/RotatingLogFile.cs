using System.Buffers;
using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Drover.Posix;

/// <summary>
/// An append-only log file with size-based rotation: when the live file would pass <see cref="MaxBytes"/>,
/// path becomes path.1, path.1 becomes path.2, ..., and the oldest beyond <see cref="MaxFiles"/> is deleted.
/// </summary>
/// <remarks>
/// <para>Lines are kept whole: a file is cut after its last complete line, and a line that was started in the
/// live file but does not fit is moved to the new file. Only a line longer than <see cref="MaxBytes"/> is split,
/// filling each file to the limit. So every file stays within the limit and the files, oldest first, hold
/// exactly the bytes written (minus whole files deleted by rotation).</para>
/// <para>Writes go straight to the kernel (no user-space buffer), so nothing is lost if the process dies
/// right after a write returns. Thread-safe.</para>
/// </remarks>
public sealed class RotatingLogFile : IDisposable
{
    /// <summary>10 MiB per file.</summary>
    public const long DefaultMaxBytes = 10L * 1024 * 1024;

    /// <summary>Five rotated files besides the live one.</summary>
    public const int DefaultMaxFiles = 5;

    /// <summary>The smallest limit accepted; below it nearly every line would be split.</summary>
    public const long MinMaxBytes = 16;

    /// <summary>The most rotated files kept.</summary>
    public const int MaxMaxFiles = 1000;

    private const int CopyChunk = 64 * 1024;

    private readonly object _gate = new();
    private SafeFileHandle _file;
    private long _length;       // bytes in the live file
    private long _lineTail;     // bytes after the last '\n' of the live file
    private int _rotated;       // path.1 .. path.<_rotated> may exist; nothing above does
    private bool _disposed;

    public RotatingLogFile(string path, long maxBytes = DefaultMaxBytes, int maxFiles = DefaultMaxFiles)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (maxBytes < MinMaxBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, $"the size limit must be at least {MinMaxBytes} bytes");
        }

        if (maxFiles is < 1 or > MaxMaxFiles)
        {
            throw new ArgumentOutOfRangeException(nameof(maxFiles), maxFiles, $"the number of rotated files must be 1 to {MaxMaxFiles}");
        }

        Path = System.IO.Path.GetFullPath(path);
        MaxBytes = maxBytes;
        MaxFiles = maxFiles;
        _file = Open(Path, FileMode.OpenOrCreate);
        _length = RandomAccess.GetLength(_file);
        while (_rotated < MaxFiles && File.Exists(RotatedPath(_rotated + 1)))
        {
            _rotated++;
        }

        // Left over from a run that kept more files.
        for (var n = MaxFiles + 1; File.Exists(RotatedPath(n)); n++)
        {
            File.Delete(RotatedPath(n));
        }

        if (_length > MaxBytes)
        {
            // Left over from a run with a larger limit: start afresh rather than split it.
            RotateUnsynchronized(carry: 0);
        }
        else
        {
            _lineTail = MeasureLineTail(_file, _length);
        }
    }

    public string Path { get; }

    public long MaxBytes { get; }

    public int MaxFiles { get; }

    /// <summary>Bytes in the live file.</summary>
    public long Length
    {
        get
        {
            lock (_gate)
            {
                return _length;
            }
        }
    }

    /// <summary>The name of the n-th rotated file (1 is the newest).</summary>
    public string RotatedPath(int n) => Path + "." + n.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends <paramref name="data"/>, rotating as needed. An <see cref="IOException"/> (e.g. the directory
    /// became unwritable during a rotation) means the bytes after the last completed cut were not written.
    /// </summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            while (!data.IsEmpty)
            {
                data = WriteSomeUnsynchronized(data);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _file.Dispose();
        }
    }

    /// <summary>Writes what fits (or rotates) and returns the rest.</summary>
    private ReadOnlySpan<byte> WriteSomeUnsynchronized(ReadOnlySpan<byte> data)
    {
        var room = MaxBytes - _length;
        if (data.Length <= room)
        {
            Append(data);
            return [];
        }

        // Cut after the last complete line that still fits.
        var fitting = (int)Math.Max(0, room);
        var lastNewline = data[..fitting].LastIndexOf((byte)'\n');
        if (lastNewline >= 0)
        {
            Append(data[..(lastNewline + 1)]);
            RotateUnsynchronized(carry: 0);
            return data[(lastNewline + 1)..];
        }

        // The line in progress does not fit. If it would fit in a file of its own, move its start (already
        // in the live file) to a new file; otherwise it is an over-long line: fill this file and go on.
        var firstNewline = data.IndexOf((byte)'\n');
        var lineSoFar = _lineTail + (firstNewline >= 0 ? firstNewline + 1 : data.Length);
        if (lineSoFar <= MaxBytes && _lineTail < _length)
        {
            RotateUnsynchronized(carry: _lineTail);
            return data;
        }

        Append(data[..fitting]);
        RotateUnsynchronized(carry: 0);
        return data[fitting..];
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        RandomAccess.Write(_file, data, _length);
        _length += data.Length;
        var newline = data.LastIndexOf((byte)'\n');
        _lineTail = newline >= 0 ? data.Length - newline - 1 : _lineTail + data.Length;
    }

    /// <summary>
    /// Shifts path.N-1 to path.N ... path to path.1 and opens a new live file holding the last
    /// <paramref name="carry"/> bytes of the old one. The carried bytes are written to the new file before
    /// they are cut from the old one, so a crash in between duplicates a partial line rather than losing it.
    /// If the new file cannot be created, the old one stays the live file and the error propagates; the next
    /// write tries again.
    /// </summary>
    private void RotateUnsynchronized(long carry)
    {
        // Delete the oldest before shifting: renaming over an existing file makes ext4 (auto_da_alloc) flush
        // the renamed file's data first, milliseconds per rotation; renaming onto a free name does not.
        if (_rotated == MaxFiles)
        {
            File.Delete(RotatedPath(MaxFiles));
        }

        // Only the files this instance knows of are shifted, so rotation costs O(files kept so far), not
        // O(MaxFiles); a file someone deleted in between is skipped.
        for (var n = Math.Min(_rotated, MaxFiles - 1); n >= 1; n--)
        {
            var from = RotatedPath(n);
            if (File.Exists(from))
            {
                File.Move(from, RotatedPath(n + 1), overwrite: true);
            }
        }

        // Missing when a previous rotation moved it and then failed to create its successor.
        if (File.Exists(Path))
        {
            File.Move(Path, RotatedPath(1), overwrite: true);
        }

        _rotated = Math.Min(_rotated + 1, MaxFiles);
        var old = _file;
        var oldLength = _length;
        _file = Open(Path, FileMode.Create);
        _length = 0;
        _lineTail = 0;
        try
        {
            if (carry > 0)
            {
                CopyTail(old, oldLength, carry);
                RandomAccess.SetLength(old, oldLength - carry);
            }
        }
        finally
        {
            old.Dispose();
        }
    }

    private void CopyTail(SafeFileHandle from, long fromLength, long count)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(count, CopyChunk));
        try
        {
            var offset = fromLength - count;
            while (offset < fromLength)
            {
                var chunk = (int)Math.Min(buffer.Length, fromLength - offset);
                var read = RandomAccess.Read(from, buffer.AsSpan(0, chunk), offset);
                if (read <= 0)
                {
                    throw new IOException($"'{RotatedPath(1)}' ended early while moving a partial line to '{Path}'");
                }

                Append(buffer.AsSpan(0, read));
                offset += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>How many bytes follow the last newline of an existing file (searching at most MaxBytes back).</summary>
    private long MeasureLineTail(SafeFileHandle file, long length)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopyChunk);
        try
        {
            var end = length;
            var limit = Math.Max(0, length - MaxBytes);
            while (end > limit)
            {
                var chunk = (int)Math.Min(CopyChunk, end - limit);
                var read = RandomAccess.Read(file, buffer.AsSpan(0, chunk), end - chunk);
                var newline = buffer.AsSpan(0, read).LastIndexOf((byte)'\n');
                if (newline >= 0)
                {
                    return length - (end - chunk + newline + 1);
                }

                end -= chunk;
            }

            return length;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static SafeFileHandle Open(string path, FileMode mode) =>
        File.OpenHandle(path, mode, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
}
