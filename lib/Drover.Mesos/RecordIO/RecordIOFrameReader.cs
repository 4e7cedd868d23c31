using System.Buffers;
using System.Globalization;

namespace Drover.Mesos.RecordIO;

/// <summary>
/// Reads one RecordIO record from the bytes received so far (Mesos docs/recordio.md, the framing of
/// every v1 HTTP API event stream):
/// <code>
///   +--------------------------+------+---------------------+
///   | length: ASCII digits 0-9 | '\n' | exactly length bytes |
///   +--------------------------+------+---------------------+
///   e.g. "5\nhello6\nworld!"
/// </code>
/// Choices where the format leaves room, following Mesos' own decoder (3rdparty/stout recordio.hpp,
/// which parses the header with <c>numify&lt;size_t&gt;</c>):
/// <list type="bullet">
/// <item>Leading zeros are accepted ("007\n" is 7 bytes), as Mesos' decoder accepts them. At most
/// <see cref="RecordIOLimits.MaxLengthDigits"/> digits, so a header is bounded even then.</item>
/// <item>A zero length is an empty record (Mesos' decoder yields one; its encoder never writes one).</item>
/// <item>Signs, spaces, '\r' and hex are rejected: Mesos never writes them, and accepting them only
/// hides a peer that lost the framing.</item>
/// </list>
/// </summary>
public static class RecordIOFrameReader
{
    private const byte Newline = (byte)'\n';

    /// <summary>
    /// Slices the next record off the front of <paramref name="buffer"/>. On
    /// <see cref="RecordIOReadResult.Record"/> the buffer is advanced past it and
    /// <paramref name="record"/> is a slice of the input (no copy); on
    /// <see cref="RecordIOReadResult.NeedMoreData"/> the buffer is left untouched.
    /// Short input is never an error; a broken header is, as soon as it is seen, and a declared
    /// length above <paramref name="maxRecordSize"/> is rejected before any of the body arrives.
    /// </summary>
    /// <exception cref="RecordIOException">The header is malformed or declares too large a record.</exception>
    public static RecordIOReadResult TryRead(ref ReadOnlySequence<byte> buffer, int maxRecordSize, out ReadOnlySequence<byte> record)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRecordSize);
        record = default;

        if (!TryReadHeader(buffer, maxRecordSize, out var headerLength, out var recordLength))
        {
            return RecordIOReadResult.NeedMoreData;
        }

        if (buffer.Length - headerLength < recordLength)
        {
            return RecordIOReadResult.NeedMoreData;
        }

        record = buffer.Slice(headerLength, recordLength);
        buffer = buffer.Slice(record.End);
        return RecordIOReadResult.Record;
    }

    /// <summary>
    /// The error for a stream that ended with <paramref name="remaining"/> (non-empty) left over:
    /// half a header or half a record.
    /// </summary>
    public static RecordIOException Truncated(in ReadOnlySequence<byte> remaining, int maxRecordSize)
    {
        if (TryReadHeader(remaining, maxRecordSize, out var headerLength, out var recordLength))
        {
            return new RecordIOException(RecordIOErrorKind.TruncatedRecord, string.Create(
                CultureInfo.InvariantCulture,
                $"truncated RecordIO record: expected {recordLength} bytes, got {remaining.Length - headerLength} before the end of the stream"));
        }

        return new RecordIOException(
            RecordIOErrorKind.TruncatedHeader,
            $"truncated RecordIO length header: the stream ended after '{Printable(remaining)}' without a newline");
    }

    /// <summary>
    /// Parses the length header at the start of <paramref name="buffer"/>. Returns false while the
    /// newline has not arrived yet; throws as soon as the bytes so far cannot start a valid header.
    /// </summary>
    private static bool TryReadHeader(in ReadOnlySequence<byte> buffer, int maxRecordSize, out int headerLength, out int recordLength)
    {
        headerLength = 0;
        recordLength = 0;

        // The value never exceeds maxRecordSize (an int), so a long cannot overflow here.
        long length = 0;
        var digits = 0;
        var reader = new SequenceReader<byte>(buffer);
        while (reader.TryRead(out var b))
        {
            if (b == Newline)
            {
                if (digits == 0)
                {
                    throw new RecordIOException(RecordIOErrorKind.EmptyLength, "invalid RecordIO length header: empty length before the newline");
                }

                headerLength = digits + 1;
                recordLength = (int)length;
                return true;
            }

            if (b is < (byte)'0' or > (byte)'9')
            {
                throw new RecordIOException(RecordIOErrorKind.NotADigit, string.Create(
                    CultureInfo.InvariantCulture,
                    $"invalid RecordIO length header: byte 0x{b:X2} at offset {digits} is not a decimal digit (header so far: '{Printable(buffer.Slice(0, digits + 1))}')"));
            }

            if (digits == RecordIOLimits.MaxLengthDigits)
            {
                throw new RecordIOException(RecordIOErrorKind.TooManyDigits, string.Create(
                    CultureInfo.InvariantCulture,
                    $"invalid RecordIO length header: more than {RecordIOLimits.MaxLengthDigits} digits without a newline"));
            }

            digits++;
            length = (length * 10) + (b - '0');

            // More digits can only make it larger: reject now rather than wait for the newline.
            if (length > maxRecordSize)
            {
                var complete = reader.TryPeek(out var next) && next == Newline;
                throw new RecordIOException(RecordIOErrorKind.RecordTooLarge, string.Create(
                    CultureInfo.InvariantCulture,
                    $"RecordIO record length {(complete ? "" : "of at least ")}{length} bytes exceeds the limit of {maxRecordSize} bytes"));
            }
        }

        return false;
    }

    /// <summary>Header bytes for an error message: short, and unprintable bytes escaped.</summary>
    private static string Printable(in ReadOnlySequence<byte> bytes) => PrintableBytes.Of(bytes, 24);
}
