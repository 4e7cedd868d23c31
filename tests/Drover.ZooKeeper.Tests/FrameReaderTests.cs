using System.Buffers.Binary;
using Drover.ZooKeeper.Protocol;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.ZooKeeper.Tests;

public sealed class FrameReaderTests
{
    private const int Max = ZooKeeperClientOptions.DefaultMaxPacketSize;

    [Fact]
    public void EveryTruncationPoint_IsIncomplete_AndTheWholeFrameIsComplete()
    {
        var frame = Frame([1, 2, 3, 4, 5, 6, 7]);
        for (var length = 0; length < frame.Length; length++)
        {
            var result = FrameReader.TryRead(frame.AsSpan(0, length), Max);
            Assert.Equal(FrameStatus.Incomplete, result.Status);
            Assert.Equal(length < 4 ? -1 : 7, result.DeclaredLength);
        }
        Assert.Equal(new FrameResult(FrameStatus.Complete, 7), FrameReader.TryRead(frame, Max));
    }

    [Fact]
    public void DeclaredLengthAboveTheLimit_IsRefused_AsSoonAsThePrefixIsIn()
    {
        byte[] prefix = [0x00, 0x10, 0x00, 0x00]; // 1 MiB, one byte above 0xfffff

        Assert.Equal(FrameStatus.Incomplete, FrameReader.TryRead(prefix.AsSpan(0, 3), Max).Status);
        Assert.Equal(new FrameResult(FrameStatus.TooLarge, 0x100000), FrameReader.TryRead(prefix, Max));
        Assert.Equal(FrameStatus.Incomplete, FrameReader.TryRead([0x00, 0x0f, 0xff, 0xff], Max).Status);
        Assert.Equal(new FrameResult(FrameStatus.NegativeLength, -1), FrameReader.TryRead([0xff, 0xff, 0xff, 0xff], Max));
        Assert.Equal(ProtocolErrorKind.FrameTooLarge, FrameReader.Refused(new FrameResult(FrameStatus.TooLarge, 0x100000), Max).Kind);
        Assert.Equal(ProtocolErrorKind.NegativeFrameLength, FrameReader.Refused(new FrameResult(FrameStatus.NegativeLength, -1), Max).Kind);
    }

    [Fact]
    public void EmptyFrame_IsComplete() =>
        Assert.Equal(new FrameResult(FrameStatus.Complete, 0), FrameReader.TryRead([0, 0, 0, 0], Max));

    /// <summary>Frames fed in arbitrary segments (one byte at a time included) come out whole and in order.</summary>
    [Fact]
    public void FramesSplitIntoAnySegments_AreReassembledExactly()
    {
        var payloads = Gen.ListOf(Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()));
        var segments = Gen.Choose(1, 9);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(payloads.ToArbitrary(), segments.ToArbitrary(), (frames, segment) =>
        {
            var stream = frames.SelectMany(Frame).ToArray();
            var received = new List<byte[]>();
            var buffer = new List<byte>();
            for (var offset = 0; offset < stream.Length; offset += segment)
            {
                buffer.AddRange(stream.Skip(offset).Take(segment));
                while (true)
                {
                    var span = buffer.ToArray();
                    var result = FrameReader.TryRead(span, Max);
                    if (result.Status != FrameStatus.Complete)
                    {
                        Assert.Equal(FrameStatus.Incomplete, result.Status);
                        break;
                    }
                    received.Add(span.AsSpan(4, result.DeclaredLength).ToArray());
                    buffer.RemoveRange(0, result.FrameLength);
                }
            }
            return buffer.Count == 0 && received.Count == frames.Count && received.Zip(frames).All(p => p.First.SequenceEqual(p.Second));
        }));
    }

    /// <summary>Random bytes never make the reader throw: every answer is one of its four results.</summary>
    [Fact]
    public void RandomBytes_AlwaysGiveAResult() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(1000), Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<int>(), (bytes, max) =>
        {
            var result = FrameReader.TryRead(bytes ?? [], Math.Abs(max % 4096));
            return Enum.IsDefined(result.Status) && (result.Status != FrameStatus.Complete || result.FrameLength <= (bytes?.Length ?? 0));
        }));

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }
}
