using System.Buffers.Text;
using System.Text;
using Drover.Metrics.Exposition;

namespace Drover.Metrics.Http;

/// <summary>The few responses the metrics endpoint sends, as bytes.</summary>
internal static class HttpResponses
{
    /// <summary>Room kept in front of a metrics body for its status line and headers, written once the length is known.</summary>
    public const int HeaderReserve = 256;

    private static readonly byte[] MetricsHeadStart = Encoding.ASCII.GetBytes(
        $"HTTP/1.1 200 OK\r\nContent-Type: {TextFormat.ContentType}\r\nContent-Length: ");

    /// <summary>A complete error response with a one-line text body; always closes the connection unless <paramref name="keepAlive"/>.</summary>
    public static byte[] Error(int status, string reason, string detail, bool keepAlive, string? extraHeader = null)
    {
        var body = $"{status} {reason}: {detail}\n";
        return Encoding.ASCII.GetBytes(
            $"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {body.Length}\r\n"
            + (extraHeader is null ? string.Empty : extraHeader + "\r\n")
            + (keepAlive ? string.Empty : "Connection: close\r\n")
            + "\r\n" + body);
    }

    public static string Reason(int status) => status switch
    {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    };

    /// <summary>Writes the 200 head for a body of <paramref name="length"/> bytes; returns its length.</summary>
    public static int WriteMetricsHead(Span<byte> destination, int length, bool keepAlive)
    {
        var n = 0;
        MetricsHeadStart.CopyTo(destination);
        n += MetricsHeadStart.Length;
        Utf8Formatter.TryFormat(length, destination[n..], out var digits);
        n += digits;
        var end = keepAlive ? "\r\n\r\n"u8 : "\r\nConnection: close\r\n\r\n"u8;
        end.CopyTo(destination[n..]);
        return n + end.Length;
    }
}
