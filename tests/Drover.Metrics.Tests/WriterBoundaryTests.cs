using System.Buffers;
using System.Text;

namespace Drover.Metrics.Tests;

public class WriterBoundaryTests
{
    /// <summary>
    /// Regression: a value written just before a buffer boundary once left thousands of NUL bytes in the
    /// output. Many series with escapes and multi-byte characters cross every boundary position.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WriteTo_OutputCrossingBufferBoundaries_RoundTrips(bool stingy)
    {
        var registry = new MetricRegistry();
        var gauge = registry.CreateGauge("g", "Boundaries.", "first", "second");
        var collected = new MetricDescriptor("c", "Collected.", MetricType.Gauge, "v");
        var random = new Random(7);
        string[] pieces = ["a", "\\", "\"", "\n", "é", "世", "🎉", "le=\"1\""];
        var expected = new Dictionary<(string, string), double>();
        for (var i = 0; i < 600; i++)
        {
            var first = string.Concat(Enumerable.Range(0, random.Next(40)).Select(_ => pieces[random.Next(pieces.Length)])) + i;
            var second = string.Concat(Enumerable.Range(0, random.Next(40)).Select(_ => pieces[random.Next(pieces.Length)]));
            var value = random.NextDouble() * Math.Pow(10, random.Next(-8, 12));
            gauge.WithLabels(first, second).Set(value);
            expected[(first, second)] = value;
        }
        registry.Register(new ExpositionTests.LambdaCollector([collected], sink =>
        {
            foreach (var ((first, _), value) in expected)
            {
                sink.Add(collected, value, first);
            }
        }));

        IBufferWriter<byte> output = stingy ? new StingyBufferWriter() : new ArrayBufferWriter<byte>();
        registry.WriteTo(output);
        var bytes = output is StingyBufferWriter s ? s.ToArray() : ((ArrayBufferWriter<byte>)output).WrittenSpan.ToArray();
        Assert.DoesNotContain((byte)0, bytes);
        var samples = ExpositionParser.Parse(Encoding.UTF8.GetString(bytes));
        Assert.Equal(2 * expected.Count, samples.Count);
        foreach (var sample in samples.Where(x => x.Name == "g"))
        {
            Assert.Equal(expected[(sample.Label("first")!, sample.Label("second")!)], sample.Value);
        }
        Assert.Equal(expected.Keys.Select(k => k.Item1).Order(StringComparer.Ordinal),
            samples.Where(x => x.Name == "c").Select(x => x.Label("v")!).Order(StringComparer.Ordinal));
    }

    /// <summary>Hands out spans of exactly the size asked for, so every write lands near a boundary.</summary>
    private sealed class StingyBufferWriter : IBufferWriter<byte>
    {
        private readonly List<byte[]> _chunks = [];
        private byte[] _current = [];

        public void Advance(int count) => _chunks.Add(_current[..count]);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public byte[] ToArray() => [.. _chunks.SelectMany(c => c)];
    }
}
