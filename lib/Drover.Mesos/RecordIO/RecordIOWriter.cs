using System.Buffers;
using System.Globalization;

namespace Drover.Mesos.RecordIO;

/// <summary>
/// Writes RecordIO records: the record's length in decimal ASCII, '\n', then the record's bytes
/// (the layout is drawn on <see cref="RecordIOFrameReader"/>). Like Mesos' encoder, never writes
/// leading zeros.
/// </summary>
public static class RecordIOWriter
{
    /// <summary>Bytes a framed record of <paramref name="recordLength"/> bytes takes: digits + newline + record.</summary>
    public static int FramedLength(int recordLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordLength);
        return checked(HeaderLength(recordLength) + recordLength);
    }

    /// <summary>Appends one framed record to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> record)
    {
        ArgumentNullException.ThrowIfNull(output);
        var headerLength = HeaderLength(record.Length);
        var header = output.GetSpan(headerLength);
        var formatted = record.Length.TryFormat(header, out var digits, default, CultureInfo.InvariantCulture);
        if (!formatted || digits + 1 != headerLength)
        {
            throw new InvalidOperationException($"RecordIO header for {record.Length} bytes came out as {digits} digits, expected {headerLength - 1}");
        }

        header[digits] = (byte)'\n';
        output.Advance(headerLength);
        output.Write(record);
    }

    /// <summary>One framed record as a new array.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> record)
    {
        var output = new ArrayBufferWriter<byte>(FramedLength(record.Length));
        Write(output, record);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Decimal digits of the length plus the newline.</summary>
    private static int HeaderLength(int recordLength)
    {
        var digits = 1;
        for (var rest = recordLength / 10; rest > 0; rest /= 10)
        {
            digits++;
        }

        return digits + 1;
    }
}
