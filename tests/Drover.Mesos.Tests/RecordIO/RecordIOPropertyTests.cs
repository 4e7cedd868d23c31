using System.Buffers;
using Drover.Mesos.RecordIO;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests.RecordIO;

/// <summary>Writer and reader against each other, under every split and truncation a network can make.</summary>
public class RecordIOPropertyTests
{
    private const int Max = 4096;

    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static readonly Gen<byte[]> RecordGen =
        Gen.Frequency(
            (1, Gen.Constant(Array.Empty<byte>())),
            (6, Gen.Choose(1, 300).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n))),
            (1, Gen.Choose(1000, Max).Select(n => new byte[n])));

    private static readonly Gen<byte[][]> RecordsGen = Gen.Choose(0, 12).SelectMany(n => Gen.ArrayOf(RecordGen, n));

    // Mostly small cuts so one-byte segments are common; sometimes large ones.
    private static readonly Gen<int[]> CutsGen =
        Gen.ArrayOf(Gen.Frequency((4, Gen.Choose(1, 3)), (2, Gen.Choose(1, 64)), (1, Gen.Choose(64, 5000))));

    private static byte[] Frame(byte[][] records) => records.SelectMany(r => RecordIOWriter.Frame(r)).ToArray();

    /// <summary>Reads every complete record; the buffer is left at the first incomplete one.</summary>
    private static List<byte[]> ReadComplete(ref ReadOnlySequence<byte> buffer)
    {
        var read = new List<byte[]>();
        while (RecordIOFrameReader.TryRead(ref buffer, Max, out var record) == RecordIOReadResult.Record)
        {
            read.Add(record.ToArray());
        }

        return read;
    }

    private static bool SameRecords(IReadOnlyList<byte[]> expected, IReadOnlyList<byte[]> actual) =>
        expected.Count == actual.Count && expected.Zip(actual).All(p => p.First.AsSpan().SequenceEqual(p.Second));

    [Fact]
    public void WriterThenReader_AnySegmentation_RoundTrips()
    {
        Check.One(Quick, Prop.ForAll(RecordsGen.Zip(CutsGen).ToArbitrary(), input =>
        {
            (var records, var cuts) = input;
            var buffer = Segments.Split(Frame(records), cuts);

            var read = ReadComplete(ref buffer);

            return SameRecords(records, read) && buffer.IsEmpty;
        }));
    }

    [Fact]
    public void WriterThenReader_OneByteSegments_RoundTrips()
    {
        Check.One(Quick, Prop.ForAll(RecordsGen.ToArbitrary(), records =>
        {
            var buffer = Segments.OneByteSegments(Frame(records));

            return SameRecords(records, ReadComplete(ref buffer)) && buffer.IsEmpty;
        }));
    }

    [Fact]
    public void EveryTruncationPoint_YieldsOnlyTheCompleteRecordsBeforeIt()
    {
        var small = Gen.Choose(0, 5).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 40).Select(k => new byte[k].Select((_, i) => (byte)i).ToArray()), n));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(100), Prop.ForAll(small.ToArbitrary(), records =>
        {
            var bytes = Frame(records);
            var ends = new List<int>();
            var end = 0;
            foreach (var record in records)
            {
                end += RecordIOWriter.FramedLength(record.Length);
                ends.Add(end);
            }

            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                ReadOnlySequence<byte> buffer = new(bytes, 0, cut);
                var read = ReadComplete(ref buffer);

                var complete = ends.Count(e => e <= cut);
                if (!SameRecords(records.Take(complete).ToList(), read))
                {
                    return false;
                }

                // What is left is exactly the incomplete tail, and it is never mistaken for a record.
                var consumed = complete == 0 ? 0 : ends[complete - 1];
                if (buffer.Length != cut - consumed)
                {
                    return false;
                }
            }

            return true;
        }));
    }

    [Fact]
    public void StreamReader_EveryTruncationPoint_CleanEndOnlyOnRecordBoundaries()
    {
        var small = Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 12).Select(k => new byte[k]), n));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(40), Prop.ForAll(small.Zip(CutsGen).ToArbitrary(), input =>
        {
            (var records, var chunks) = input;
            var bytes = Frame(records);
            var boundaries = new HashSet<int> { 0 };
            var end = 0;
            foreach (var record in records)
            {
                end += RecordIOWriter.FramedLength(record.Length);
                boundaries.Add(end);
            }

            for (var cut = 0; cut <= bytes.Length; cut++)
            {
                var stream = new ChunkedStream(bytes[..cut], chunks);
                var reader = new RecordIOStreamReader(stream);
                var count = 0;
                var truncated = false;
                try
                {
                    while (reader.ReadAsync().AsTask().GetAwaiter().GetResult() is not null)
                    {
                        count++;
                    }
                }
                catch (RecordIOException e) when (e.Message.StartsWith("truncated RecordIO", StringComparison.Ordinal))
                {
                    truncated = true;
                }

                if (truncated == boundaries.Contains(cut) || count != boundaries.Count(b => b > 0 && b <= cut))
                {
                    return false;
                }
            }

            return true;
        }));
    }

    [Fact]
    public void StreamReader_RandomChunking_RoundTrips()
    {
        Check.One(Quick, Prop.ForAll(RecordsGen.Zip(CutsGen).ToArbitrary(), input =>
        {
            (var records, var chunks) = input;
            var reader = new RecordIOStreamReader(new ChunkedStream(Frame(records), chunks), Max);
            var read = new List<byte[]>();
            while (reader.ReadAsync().AsTask().GetAwaiter().GetResult() is { } record)
            {
                read.Add(record.ToArray());
            }

            return SameRecords(records, read);
        }));
    }

    [Fact]
    public void RandomGarbage_OnlyRecordsOrRecordIOException()
    {
        // Biased toward digits and newlines, so plausible-looking headers are common.
        var noisy = Gen.Frequency(
            (5, Gen.Choose('0', '9').Select(c => (byte)c)),
            (2, Gen.Constant((byte)'\n')),
            (3, ArbMap.Default.GeneratorFor<byte>()));
        var garbage = Gen.ArrayOf(noisy);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(garbage.Zip(CutsGen).ToArbitrary(), input =>
        {
            (var bytes, var cuts) = input;
            var buffer = Segments.Split(bytes, cuts);
            try
            {
                while (RecordIOFrameReader.TryRead(ref buffer, 64, out var record) == RecordIOReadResult.Record)
                {
                    if (record.Length > 64)
                    {
                        return false;
                    }
                }

                return true;
            }
            catch (RecordIOException e)
            {
                return e.Message.Length > 0;
            }
        }));
    }

    [Fact]
    public void RandomGarbage_StreamReader_OnlyRecordsNullOrRecordIOException()
    {
        var noisy = Gen.Frequency(
            (5, Gen.Choose('0', '9').Select(c => (byte)c)),
            (2, Gen.Constant((byte)'\n')),
            (3, ArbMap.Default.GeneratorFor<byte>()));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Gen.ArrayOf(noisy).Zip(CutsGen).ToArbitrary(), input =>
        {
            (var bytes, var chunks) = input;
            var reader = new RecordIOStreamReader(new ChunkedStream(bytes, chunks), 64);
            try
            {
                while (reader.ReadAsync().AsTask().GetAwaiter().GetResult() is { } record)
                {
                    if (record.Length > 64)
                    {
                        return false;
                    }
                }
            }
            catch (RecordIOException)
            {
            }

            return true;
        }));
    }
}
