using System.Buffers;
using System.Globalization;
using System.Text;

namespace Drover.Mesos;

/// <summary>
/// A peer's bytes quoted in an error message: at most a few of them, printable ASCII as is and everything else
/// escaped (<c>\x0D</c>), so a garbled frame cannot flood or corrupt a log line.
/// </summary>
internal static class PrintableBytes
{
    public static string Of(in ReadOnlySequence<byte> bytes, int maxShown)
    {
        var text = new StringBuilder();
        foreach (var b in bytes.Slice(0, Math.Min(bytes.Length, maxShown)).ToArray())
        {
            if (b is >= 0x20 and < 0x7F && b != (byte)'\\' && b != (byte)'\'')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{b:X2}");
            }
        }

        if (bytes.Length > maxShown)
        {
            text.Append("...");
        }

        return text.ToString();
    }
}
