using System.Buffers;
using System.Text;

namespace Drover.Metrics.Tests;

internal static class Scrape
{
    public static string Text(MetricRegistry registry)
    {
        var buffer = new ArrayBufferWriter<byte>();
        registry.WriteTo(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
