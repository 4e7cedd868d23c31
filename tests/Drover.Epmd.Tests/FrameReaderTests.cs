using Drover.Epmd.Protocol;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Epmd.Tests;

public class FrameReaderTests
{
    [Fact]
    public void TryRead_EveryTruncationPoint_IsIncomplete()
    {
        var frame = PortPlease2Request.ToFrame("riak");
        for (var cut = 0; cut < frame.Length; cut++)
        {
            Assert.Equal(EpmdFrameStatus.Incomplete, EpmdFrameReader.TryRead(frame.AsSpan(0, cut), out _));
        }
        Assert.Equal(EpmdFrameStatus.Complete, EpmdFrameReader.TryRead(frame, out var body));
        Assert.Equal(frame[2..], body.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(EpmdLimits.MaxRequestLength + 1)]
    [InlineData(ushort.MaxValue)]
    public void TryRead_LengthOutsideEpmdLimits_IsInvalidFromTheHeaderAlone(int length)
    {
        byte[] header = [(byte)(length >> 8), (byte)length];
        Assert.Equal(EpmdFrameStatus.InvalidLength, EpmdFrameReader.TryRead(header, out _));
    }

    [Fact]
    public void TryRead_LargestLengthEpmdAccepts_WaitsForTheBody()
    {
        var frame = new byte[2 + EpmdLimits.MaxRequestLength];
        frame[0] = EpmdLimits.MaxRequestLength >> 8;
        frame[1] = EpmdLimits.MaxRequestLength & 0xff;
        Assert.Equal(EpmdFrameStatus.Incomplete, EpmdFrameReader.TryRead(frame.AsSpan(0, 2), out _));
        Assert.Equal(EpmdLimits.MaxRequestLength, EpmdFrameReader.NextReadSize(frame.AsSpan(0, 2)));
        Assert.Equal(EpmdFrameStatus.Complete, EpmdFrameReader.TryRead(frame, out _));
    }

    [Fact]
    public void TryRead_BytesBeyondTheFrame_IsOverrun()
    {
        byte[] frame = [.. RawClient(EpmdTags.NamesRequest), 0x42];
        Assert.Equal(EpmdFrameStatus.Overrun, EpmdFrameReader.TryRead(frame, out _));
    }

    [Fact]
    public void NextReadSize_MirrorsEpmd_WholeBufferUntilTheLengthIsKnown_ThenExactlyTheRest()
    {
        Assert.Equal(EpmdLimits.FirstReadSize, EpmdFrameReader.NextReadSize([]));
        Assert.Equal(EpmdLimits.FirstReadSize - 1, EpmdFrameReader.NextReadSize([0]));
        Assert.Equal(5, EpmdFrameReader.NextReadSize([0, 6, 1]));
    }

    [Fact]
    public void TryRead_AnyBytes_NeverThrows_AndAgreesWithTheDeclaredLength()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var status = EpmdFrameReader.TryRead(bytes, out var body);
            if (bytes.Length < 2)
            {
                return status == EpmdFrameStatus.Incomplete;
            }
            var length = (bytes[0] << 8) | bytes[1];
            return status switch
            {
                EpmdFrameStatus.InvalidLength => length == 0 || length > EpmdLimits.MaxRequestLength,
                EpmdFrameStatus.Incomplete => bytes.Length < length + 2,
                EpmdFrameStatus.Overrun => bytes.Length > length + 2,
                _ => bytes.Length == length + 2 && body.Length == length,
            };
        }));
    }

    [Fact]
    public void TryRead_FedOneSegmentAtATime_CompletesExactlyAtTheLastByte()
    {
        var frames = Gen.Choose(1, 300).SelectMany(n => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), n));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(frames.ToArbitrary(), Gen.Choose(1, 7).ToArbitrary(), (body, segment) =>
        {
            var frame = Support.RawClient.Frame(body);
            var received = 0;
            while (true)
            {
                var next = Math.Min(Math.Min(segment, EpmdFrameReader.NextReadSize(frame.AsSpan(0, received))), frame.Length - received);
                received += next;
                var status = EpmdFrameReader.TryRead(frame.AsSpan(0, received), out var got);
                if (status == EpmdFrameStatus.Complete)
                {
                    return received == frame.Length && got.SequenceEqual(body);
                }
                if (status != EpmdFrameStatus.Incomplete || received == frame.Length)
                {
                    return false;
                }
            }
        }));
    }

    private static byte[] RawClient(byte tag) => Support.RawClient.Frame(tag);
}
