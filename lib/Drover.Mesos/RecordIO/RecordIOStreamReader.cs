using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace Drover.Mesos.RecordIO;

/// <summary>
/// Reads RecordIO records one at a time from a stream (e.g. the body of a SUBSCRIBE response).
/// A clean end of stream between records reads as null; an end of stream inside a record, or any
/// framing error, throws <see cref="RecordIOException"/>, and every later read throws it again:
/// a stream that lost its framing is not read any further. Not safe for concurrent reads.
/// </summary>
public sealed class RecordIOStreamReader : IAsyncDisposable
{
    private readonly PipeReader _reader;
    private readonly int _maxRecordSize;
    private RecordIOException? _broken;
    private bool _ended;

    /// <param name="stream">The bytes to read; disposed with this reader unless <paramref name="leaveOpen"/>.</param>
    /// <param name="maxRecordSize">Largest record accepted; a larger declared length is an error before its body is read.</param>
    /// <param name="leaveOpen">Whether disposing this reader leaves <paramref name="stream"/> open.</param>
    public RecordIOStreamReader(Stream stream, int maxRecordSize = RecordIOLimits.DefaultMaxRecordSize, bool leaveOpen = false)
        : this(PipeReader.Create(stream, new StreamPipeReaderOptions(leaveOpen: leaveOpen)), maxRecordSize)
    {
    }

    /// <param name="reader">The bytes to read; completed when this reader is disposed.</param>
    /// <param name="maxRecordSize">Largest record accepted; a larger declared length is an error before its body is read.</param>
    public RecordIOStreamReader(PipeReader reader, int maxRecordSize = RecordIOLimits.DefaultMaxRecordSize)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecordSize);
        _reader = reader;
        _maxRecordSize = maxRecordSize;
    }

    /// <summary>The next record, copied out of the stream's buffers; null at a clean end of stream.</summary>
    /// <exception cref="RecordIOException">Bad framing, an oversized record, or a truncated stream.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken = default)
    {
        var record = await ReadAsync(static bytes => bytes.ToArray(), cancellationToken).ConfigureAwait(false);

        // Two statements on purpose: in "record is null ? null : memory" the null literal goes through
        // the implicit byte[] -> ReadOnlyMemory conversion and comes out as an empty record.
        if (record is null)
        {
            return null;
        }

        return new ReadOnlyMemory<byte>(record);
    }

    /// <summary>
    /// The next record passed to <paramref name="parse"/> while it still lies in the stream's buffers
    /// (no copy: e.g. <c>Event.Parser.ParseFrom</c>); null at a clean end of stream. The record is
    /// consumed even when <paramref name="parse"/> throws; its exception propagates unchanged.
    /// </summary>
    /// <exception cref="RecordIOException">Bad framing, an oversized record, or a truncated stream.</exception>
    public async ValueTask<T?> ReadAsync<T>(Func<ReadOnlySequence<byte>, T> parse, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(parse);
        while (true)
        {
            if (_broken is not null)
            {
                throw new RecordIOException(_broken.Message, _broken);
            }

            if (_ended)
            {
                return null;
            }

            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var consumed = buffer.Start;
            var examined = buffer.End;
            try
            {
                if (result.IsCanceled)
                {
                    throw new OperationCanceledException("the RecordIO read was cancelled by PipeReader.CancelPendingRead");
                }

                if (RecordIOFrameReader.TryRead(ref buffer, _maxRecordSize, out var record) == RecordIOReadResult.Record)
                {
                    consumed = buffer.Start;
                    examined = consumed;
                    return parse(record);
                }

                if (result.IsCompleted)
                {
                    if (buffer.IsEmpty)
                    {
                        _ended = true;
                        return null;
                    }

                    throw RecordIOFrameReader.Truncated(buffer, _maxRecordSize);
                }
            }
            catch (RecordIOException e)
            {
                _broken = e;
                throw;
            }
            finally
            {
                _reader.AdvanceTo(consumed, examined);
            }
        }
    }

    /// <summary>Every record until a clean end of stream (copied, as <see cref="ReadAsync(CancellationToken)"/>).</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (await ReadAsync(cancellationToken).ConfigureAwait(false) is { } record)
        {
            yield return record;
        }
    }

    public ValueTask DisposeAsync() => _reader.CompleteAsync();
}
