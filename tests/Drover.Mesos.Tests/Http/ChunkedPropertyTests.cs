using System.Buffers;
using Drover.Mesos.Http;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests.Http;

/// <summary>Encoder and decoder against each other under every split, truncation and corruption a network can make.</summary>
public class ChunkedPropertyTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static readonly Gen<byte[]> BodyGen =
        Gen.Frequency(
            (1, Gen.Constant(Array.Empty<byte>())),
            (6, Gen.Choose(1, 400).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n))),
            (1, Gen.Choose(1000, 5000).Select(n => new byte[n])));

    private static readonly Gen<ChunkedStyle> StyleGen =
        from sizes in Gen.ArrayOf(Gen.Frequency((3, Gen.Choose(1, 8)), (2, Gen.Choose(1, 300)), (1, Gen.Choose(300, 6000))))
        from bare in ArbMap.Default.GeneratorFor<bool>()
        from upper in ArbMap.Default.GeneratorFor<bool>()
        from zeros in Gen.Frequency((4, Gen.Constant(0)), (1, Gen.Choose(1, 5)))
        from extensions in ArbMap.Default.GeneratorFor<bool>()
        from trailers in Gen.Frequency((3, Gen.Constant(Array.Empty<string>())), (1, Gen.Constant(new[] { "X-Checksum: abc", "Other: 1" })))
        select new ChunkedStyle(sizes, bare, upper, zeros, extensions, trailers);

    // Mostly one to three bytes at a time, so one-byte arrivals are common; sometimes large ones.
    private static readonly Gen<int[]> ArrivalsGen =
        Gen.NonEmptyListOf(Gen.Frequency((4, Gen.Choose(1, 3)), (2, Gen.Choose(1, 64)), (1, Gen.Choose(64, 5000)))).Select(l => l.ToArray());

    private static readonly Gen<long> RoomGen = Gen.Frequency((3, Gen.Constant(long.MaxValue)), (1, Gen.Choose(1, 16).Select(n => (long)n)));

    [Fact]
    public void EncodeThenDecode_AnyStyleArrivalAndRoom_RoundTrips()
    {
        var input = from body in BodyGen from style in StyleGen from arrivals in ArrivalsGen from room in RoomGen select (body, style, arrivals, room);
        Check.One(Quick, Prop.ForAll(input.ToArbitrary(), c =>
        {
            var decoded = Chunked.Feed(Chunked.Encode(c.body, c.style), c.arrivals, c.room);

            return decoded.Ended && decoded.Left.Length == 0 && decoded.Body.AsSpan().SequenceEqual(c.body);
        }));
    }

    [Fact]
    public void EncodeThenDecode_OneByteArrivals_RoundTrips()
    {
        Check.One(Quick, Prop.ForAll(BodyGen.Zip(StyleGen).ToArbitrary(), c =>
        {
            var decoded = Chunked.Feed(Chunked.Encode(c.Item1, c.Item2), [1]);

            return decoded.Ended && decoded.Body.AsSpan().SequenceEqual(c.Item1);
        }));
    }

    [Fact]
    public void EveryTruncation_NeedsMoreData_AndYieldsAPrefixOfTheBody()
    {
        var small = BodyGen.Where(b => b.Length <= 200);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(60), Prop.ForAll(small.Zip(StyleGen).ToArbitrary(), c =>
        {
            var encoded = Chunked.Encode(c.Item1, c.Item2);
            for (var cut = 0; cut < encoded.Length; cut++)
            {
                var decoded = Chunked.Whole(encoded[..cut]);
                if (decoded.Ended || !c.Item1.AsSpan().StartsWith(decoded.Body))
                {
                    return false;
                }
            }

            return true;
        }));
    }

    [Fact]
    public void CorruptedInput_IsDecodedOrRefused_NeverACrash()
    {
        var input =
            from body in BodyGen.Where(b => b.Length <= 300)
            from style in StyleGen
            from position in Gen.Choose(0, 10_000)
            from value in ArbMap.Default.GeneratorFor<byte>()
            from insert in ArbMap.Default.GeneratorFor<bool>()
            from arrivals in ArrivalsGen
            select (body, style, position, value, insert, arrivals);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(input.ToArbitrary(), c =>
        {
            var encoded = Chunked.Encode(c.body, c.style).ToList();
            var at = c.position % (encoded.Count + 1);
            if (c.insert || at == encoded.Count)
            {
                encoded.Insert(at, c.value);
            }
            else
            {
                encoded[at] = c.value;
            }

            try
            {
                Chunked.Feed([.. encoded], c.arrivals);
                return true;
            }
            catch (Http1Exception)
            {
                return true;
            }
        }));
    }

    [Fact]
    public void RandomBytes_AreDecodedOrRefused_NeverACrash()
    {
        var bytes = Gen.ArrayOf(Gen.Frequency(
            (4, Gen.Elements("0123456789abcdefABCDEF;\r\n \t=xX:"u8.ToArray())),
            (1, ArbMap.Default.GeneratorFor<byte>())));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(bytes.Zip(ArrivalsGen).ToArbitrary(), c =>
        {
            try
            {
                Chunked.Feed(c.Item1, c.Item2);
                return true;
            }
            catch (Http1Exception)
            {
                return true;
            }
        }));
    }

    [Fact]
    public void NeedMoreData_LeavesOnlyAnIncompleteLine()
    {
        Check.One(Quick, Prop.ForAll(BodyGen.Zip(StyleGen).ToArbitrary(), c =>
        {
            var encoded = Chunked.Encode(c.Item1, c.Item2);
            var cut = encoded.Length / 2;
            var decoder = new ChunkedDecoder();
            var buffer = new ReadOnlySequence<byte>(encoded[..cut]);
            while (decoder.Read(ref buffer, out _) == ChunkedReadResult.Data)
            {
            }

            // What is left never holds a complete line: it would have been consumed.
            return buffer.Length <= HttpLimits.Default.MaxChunkLineBytes && buffer.PositionOf((byte)'\n') is null;
        }));
    }
}
