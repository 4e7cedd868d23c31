using System.Buffers;
using System.Globalization;

namespace Drover.Mesos.Http;

/// <summary>What <see cref="ChunkedDecoder.Read"/> found in the bytes received so far.</summary>
public enum ChunkedReadResult
{
    /// <summary>Nothing more can be decoded until more bytes arrive.</summary>
    NeedMoreData,

    /// <summary>Some body bytes: a slice of the input.</summary>
    Data,

    /// <summary>The last chunk and the trailer section have been read: the body is complete.</summary>
    End,
}

/// <summary>
/// Decodes the chunked transfer coding (RFC 9112 section 7.1) from the bytes received so far:
/// <code>
///   chunk      = chunk-size [ ";" extensions ] CRLF chunk-data CRLF
///   last-chunk = 1*"0" [ ";" extensions ] CRLF
///   body       = *chunk last-chunk *( trailer-field CRLF ) CRLF
/// </code>
/// Its only state is where it is in that grammar (how much of the current chunk is left), so what it returns
/// depends on nothing but the bytes it was given, however they were split. Extensions and trailer fields are
/// read and dropped; line endings may be CRLF or a bare LF. A chunk's data is handed out as it arrives, never
/// buffered whole, so a chunk may be as large as the stream; the size line and the trailers are bounded.
/// </summary>
public sealed class ChunkedDecoder(HttpLimits? limits = null)
{
    private const byte Newline = (byte)'\n';
    private const byte Return = (byte)'\r';

    // Hex digits of a size, leading zeros aside: 15 keep any value below 2^60, so the arithmetic cannot overflow.
    private const int MaxSizeDigits = 15;

    private readonly HttpLimits _limits = limits ?? HttpLimits.Default;
    private State _state;
    private long _remaining;
    private long _trailerBytes;

    private enum State
    {
        Size,
        Data,
        DataEnd,
        Trailers,
        Done,
    }

    /// <summary>Whether the whole body has been decoded.</summary>
    public bool IsComplete => _state == State.Done;

    /// <summary>
    /// Decodes from the front of <paramref name="buffer"/>, advancing it past what was used. On
    /// <see cref="ChunkedReadResult.Data"/>, <paramref name="data"/> is the next body bytes (a slice of the input, no
    /// copy); on <see cref="ChunkedReadResult.NeedMoreData"/> whatever is left in the buffer is an incomplete line
    /// that must be offered again with more bytes after it. Short input is never an error; malformed framing is, as
    /// soon as it is seen.
    /// </summary>
    /// <exception cref="Http1Exception">Malformed chunked framing, or a line or trailer section beyond the limits.</exception>
    /// <param name="buffer">The bytes received and not yet decoded.</param>
    /// <param name="data">On <see cref="ChunkedReadResult.Data"/>, at most <paramref name="maxData"/> body bytes.</param>
    /// <param name="maxData">Most body bytes to hand out at once (what the caller has room for); the rest waits in the buffer.</param>
    public ChunkedReadResult Read(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> data, long maxData = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxData);
        data = default;
        while (true)
        {
            switch (_state)
            {
                case State.Size:
                    if (!TryReadLine(buffer, _limits.MaxChunkLineBytes, out var sizeLine, out var afterSize))
                    {
                        CheckSizeLine(buffer, complete: false);
                        return ChunkedReadResult.NeedMoreData;
                    }

                    _remaining = CheckSizeLine(sizeLine, complete: true);
                    buffer = buffer.Slice(afterSize);
                    _state = _remaining == 0 ? State.Trailers : State.Data;
                    break;

                case State.Data:
                    if (buffer.IsEmpty)
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    var take = Math.Min(Math.Min(_remaining, buffer.Length), maxData);
                    data = buffer.Slice(0, take);
                    buffer = buffer.Slice(take);
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.DataEnd;
                    }

                    return ChunkedReadResult.Data;

                case State.DataEnd:
                    if (!TryReadDataEnd(ref buffer))
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    _state = State.Size;
                    break;

                case State.Trailers:
                    if (buffer.IsEmpty)
                    {
                        return ChunkedReadResult.NeedMoreData;
                    }

                    var budget = (int)(_limits.MaxTrailerBytes - _trailerBytes);
                    if (!TryReadLine(buffer, budget, out var trailer, out var afterTrailer))
                    {
                        if (buffer.Length >= budget)
                        {
                            throw new Http1Exception(Http1ErrorKind.TrailersTooLarge, $"the trailer section after the last chunk exceeds {_limits.MaxTrailerBytes} bytes");
                        }

                        return ChunkedReadResult.NeedMoreData;
                    }

                    _trailerBytes += buffer.Slice(0, afterTrailer).Length;
                    buffer = buffer.Slice(afterTrailer);
                    if (trailer.IsEmpty)
                    {
                        _state = State.Done;
                        return ChunkedReadResult.End;
                    }

                    break;

                default:
                    return ChunkedReadResult.End;
            }
        }
    }

    /// <summary>The error for a connection that ended before the body did.</summary>
    public Http1Exception Truncated() =>
        new(Http1ErrorKind.TruncatedBody, _state switch
        {
            State.Data => string.Create(CultureInfo.InvariantCulture, $"the connection closed {_remaining} bytes before the end of a chunk"),
            State.Trailers => "the connection closed in the trailer section after the last chunk",
            _ => "the connection closed before the last chunk of a chunked body",
        });

    /// <summary>
    /// A line within <paramref name="maxBytes"/> (its ending included), without its CRLF or LF; false when none has
    /// ended yet. Throws when none can end in time.
    /// </summary>
    private static bool TryReadLine(in ReadOnlySequence<byte> buffer, int maxBytes, out ReadOnlySequence<byte> line, out SequencePosition after)
    {
        var window = buffer.Length > maxBytes ? buffer.Slice(0, maxBytes) : buffer;
        if (window.PositionOf(Newline) is not { } newline)
        {
            line = default;
            after = default;
            return false;
        }

        line = window.Slice(0, newline);
        after = window.GetPosition(1, newline);
        if (!line.IsEmpty && line.Slice(line.Length - 1).FirstSpan[0] == Return)
        {
            line = line.Slice(0, line.Length - 1);
        }

        return true;
    }

    /// <summary>
    /// Checks a chunk-size line (or, while incomplete, the bytes of it so far) and returns its size: hex digits, then
    /// optional whitespace and ";" extensions, which are not looked into.
    /// </summary>
    private long CheckSizeLine(in ReadOnlySequence<byte> line, bool complete)
    {
        if (!complete && line.Length >= _limits.MaxChunkLineBytes)
        {
            throw new Http1Exception(Http1ErrorKind.ChunkTooLarge, $"a chunk-size line longer than {_limits.MaxChunkLineBytes} bytes");
        }

        long size = 0;
        var digits = 0;
        var significant = 0;
        var inExtensions = false;
        var afterDigits = false;
        foreach (var segment in line)
        {
            foreach (var b in segment.Span)
            {
                if (inExtensions)
                {
                    continue;
                }

                var hex = HexValue(b);
                if (hex >= 0 && !afterDigits)
                {
                    digits++;
                    if (size > 0 || hex > 0)
                    {
                        significant++;
                    }

                    if (significant > MaxSizeDigits)
                    {
                        throw new Http1Exception(Http1ErrorKind.ChunkTooLarge, $"a chunk size of more than {MaxSizeDigits} hex digits");
                    }

                    size = (size * 16) + hex;
                    continue;
                }

                if (digits > 0 && b == (byte)';')
                {
                    inExtensions = true;
                }
                else if (digits > 0 && b is (byte)' ' or (byte)'\t')
                {
                    afterDigits = true;
                }
                else if (!(complete is false && b == Return))
                {
                    throw new Http1Exception(Http1ErrorKind.MalformedChunkSize, $"not a chunk-size line: '{HttpResponseHeadReader.Printable(line)}'");
                }
            }
        }

        if (complete && digits == 0)
        {
            throw new Http1Exception(Http1ErrorKind.MalformedChunkSize, $"not a chunk-size line: '{HttpResponseHeadReader.Printable(line)}'");
        }

        if (size > _limits.MaxChunkSize)
        {
            throw new Http1Exception(Http1ErrorKind.ChunkTooLarge, string.Create(CultureInfo.InvariantCulture, $"a chunk of {size} bytes exceeds the limit of {_limits.MaxChunkSize}"));
        }

        return size;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    // The line ending after a chunk's data: CRLF or a bare LF.
    private static bool TryReadDataEnd(ref ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return false;
        }

        var first = buffer.FirstSpan[0];
        if (first == Newline)
        {
            buffer = buffer.Slice(1);
            return true;
        }

        if (first == Return)
        {
            if (buffer.Length < 2)
            {
                return false;
            }

            if (buffer.Slice(1, 1).FirstSpan[0] == Newline)
            {
                buffer = buffer.Slice(2);
                return true;
            }
        }

        throw new Http1Exception(Http1ErrorKind.MissingChunkTerminator, $"a chunk's data is followed by '{HttpResponseHeadReader.Printable(buffer)}' instead of a line ending");
    }
}
