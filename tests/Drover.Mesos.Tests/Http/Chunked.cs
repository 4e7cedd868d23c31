using System.Buffers;
using System.Globalization;
using System.Text;
using Drover.Mesos.Http;
using Drover.Mesos.Tests.RecordIO;

namespace Drover.Mesos.Tests.Http;

/// <summary>How a test writes a chunked body: every freedom RFC 9112 gives a sender.</summary>
internal sealed record ChunkedStyle(int[] ChunkSizes, bool BareNewlines = false, bool UpperHex = false, int LeadingZeros = 0, bool Extensions = false, string[]? Trailers = null);

/// <summary>Encodes bodies in the chunked coding and feeds encodings to a <see cref="ChunkedDecoder"/> as a network would.</summary>
internal static class Chunked
{
    public static byte[] Encode(byte[] body, ChunkedStyle style)
    {
        var newline = style.BareNewlines ? "\n" : "\r\n";
        var output = new List<byte>();
        var offset = 0;
        var next = 0;
        while (offset < body.Length)
        {
            var size = Math.Clamp(style.ChunkSizes.Length == 0 ? body.Length : style.ChunkSizes[next++ % style.ChunkSizes.Length], 1, body.Length - offset);
            output.AddRange(Encoding.ASCII.GetBytes(SizeLine(size, style) + newline));
            output.AddRange(body.AsSpan(offset, size).ToArray());
            output.AddRange(Encoding.ASCII.GetBytes(newline));
            offset += size;
        }

        output.AddRange(Encoding.ASCII.GetBytes(SizeLine(0, style) + newline));
        foreach (var trailer in style.Trailers ?? [])
        {
            output.AddRange(Encoding.ASCII.GetBytes(trailer + newline));
        }

        output.AddRange(Encoding.ASCII.GetBytes(newline));
        return [.. output];
    }

    private static string SizeLine(int size, ChunkedStyle style) =>
        new string('0', style.LeadingZeros)
        + size.ToString(style.UpperHex ? "X" : "x", CultureInfo.InvariantCulture)
        + (style.Extensions ? " ; name=value;flag" : "");

    /// <summary>What a decoder made of some input: the body bytes, whether it ended, and what it left unconsumed.</summary>
    public sealed record Decoded(byte[] Body, bool Ended, byte[] Left);

    /// <summary>
    /// Feeds <paramref name="encoded"/> to a fresh decoder in pieces of the given sizes, as they would arrive, each time
    /// offering everything received and not yet consumed (itself cut into segments), taking at most
    /// <paramref name="maxData"/> body bytes per read.
    /// </summary>
    public static Decoded Feed(byte[] encoded, IReadOnlyList<int> arrivals, long maxData = long.MaxValue, HttpLimits? limits = null)
    {
        var decoder = new ChunkedDecoder(limits);
        var body = new List<byte>();
        var pending = new List<byte>();
        var offset = 0;
        var arrival = 0;
        while (true)
        {
            var size = arrivals.Count == 0 ? encoded.Length : Math.Max(1, arrivals[arrival++ % arrivals.Count]);
            var take = Math.Min(size, encoded.Length - offset);
            pending.AddRange(encoded.AsSpan(offset, take).ToArray());
            offset += take;
            var buffer = Segments.Split([.. pending], arrivals.Count == 0 ? [] : arrivals.Skip(arrival % Math.Max(1, arrivals.Count)).Take(8));
            ChunkedReadResult result;
            while ((result = decoder.Read(ref buffer, out var data, maxData)) == ChunkedReadResult.Data)
            {
                body.AddRange(data.ToArray());
            }

            pending = [.. buffer.ToArray()];
            if (result == ChunkedReadResult.End || offset == encoded.Length)
            {
                if (result == ChunkedReadResult.End)
                {
                    pending.AddRange(encoded.AsSpan(offset).ToArray());
                }

                return new Decoded([.. body], result == ChunkedReadResult.End, [.. pending]);
            }
        }
    }

    /// <summary>Decodes everything at once, as one segment.</summary>
    public static Decoded Whole(byte[] encoded, HttpLimits? limits = null) => Feed(encoded, [], long.MaxValue, limits);

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);
}
