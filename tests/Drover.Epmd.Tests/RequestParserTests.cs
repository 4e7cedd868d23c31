using System.Text;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Epmd.Tests;

public class RequestParserTests
{
    private static ReadOnlySpan<byte> Body(byte[] frame) => frame.AsSpan(2);

    [Fact]
    public void Alive2_AsOtp25SendsIt_ParsesEveryField()
    {
        // Captured from `erl -sname t1` against epmd (debug dump): port 40073, 'M', tcp, 6..5, "t1", no extra.
        byte[] frame = [0x00, 0x0f, 0x78, 0x9c, 0x89, 0x4d, 0x00, 0x00, 0x06, 0x00, 0x05, 0x00, 0x02, 0x74, 0x31, 0x00, 0x00];
        Assert.Equal(EpmdParseStatus.Ok, Alive2Request.TryParse(Body(frame), out var request, out var highest));
        Assert.Equal(6, highest);
        Assert.Equal(new Alive2Request(40073, EpmdNodeType.Normal, 0, 6, 5, "t1", []), request! with { Extra = [] });
        Assert.Empty(request.Extra);
        Assert.Equal(frame, request.ToFrame());
    }

    [Fact]
    public void Alive2_RoundTripsThroughItsFrame()
    {
        var names = Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(Gen.Choose(0x21, 0x7e).Select(c => (char)c), n)).Select(c => new string(c));
        var requests =
            from name in names
            from port in Gen.Choose(0, 65535)
            from type in Gen.Elements(EpmdNodeType.Normal, EpmdNodeType.Hidden, (EpmdNodeType)110)
            from highest in Gen.Choose(0, 65535)
            from lowest in Gen.Choose(0, 65535)
            from extra in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
            select AliveClient.Node(name, (ushort)port, (ushort)highest, (ushort)lowest, extra.Take(EpmdLimits.MaxSymbolBytes).ToArray(), type);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(requests.ToArbitrary(), request =>
        {
            var status = Alive2Request.TryParse(request.ToFrame().AsSpan(2), out var parsed, out _);
            return status == EpmdParseStatus.Ok && parsed!.ToFrame().AsSpan().SequenceEqual(request.ToFrame());
        }));
    }

    [Fact]
    public void Alive2_SizesThatDoNotAddUp_AreMalformed()
    {
        var good = AliveClient.Node("n", 1).ToFrame()[2..];
        Assert.Equal(14, good.Length);
        // 13 bytes or fewer: epmd wants at least one byte of name.
        Assert.Equal(EpmdParseStatus.Malformed, Alive2Request.TryParse(good.AsSpan(0, 13), out _, out _));
        // A name length running past the body.
        var longName = (byte[])good.Clone();
        longName[10] = 2;
        Assert.Equal(EpmdParseStatus.Malformed, Alive2Request.TryParse(longName, out _, out _));
        // An extra length running past the body.
        var longExtra = (byte[])good.Clone();
        longExtra[13] = 1;
        Assert.Equal(EpmdParseStatus.Malformed, Alive2Request.TryParse(longExtra, out _, out _));
        // A NUL inside the name.
        var nul = AliveClient.Node("a\0b", 1).ToFrame()[2..];
        Assert.Equal(EpmdParseStatus.Malformed, Alive2Request.TryParse(nul, out _, out _));
    }

    [Fact]
    public void Alive2_NamesAndExtrasEpmdWillNotStore_AreRefusedWithTheirVersion()
    {
        Assert.Equal(EpmdParseStatus.Refused, Alive2Request.TryParse(Body(AliveClient.Node(new string('a', 256), 1, highest: 5).ToFrame()), out _, out var v5));
        Assert.Equal(5, v5);
        Assert.Equal(EpmdParseStatus.Ok, Alive2Request.TryParse(Body(AliveClient.Node(new string('a', 255), 1).ToFrame()), out _, out _));
        // 255 four-byte characters are 1020 bytes: allowed; 1021 bytes are not, whatever the characters.
        Assert.Equal(EpmdParseStatus.Ok, Alive2Request.TryParse(Body(AliveClient.Node(string.Concat(Enumerable.Repeat("😀", 255)), 1).ToFrame()), out _, out _));
        Assert.Equal(EpmdParseStatus.Refused, Alive2Request.TryParse(Body(AliveClient.Node(new string('a', 1021), 1).ToFrame()), out _, out _));
        Assert.Equal(EpmdParseStatus.Refused, Alive2Request.TryParse(Body(AliveClient.Node("x", 1, extra: new byte[1021]).ToFrame()), out _, out _));
        var latin1 = AliveClient.Node("ab", 1).ToFrame();
        latin1[14] = 0xe9; // "a\xe9": not UTF-8
        Assert.Equal(EpmdParseStatus.Refused, Alive2Request.TryParse(Body(latin1), out _, out _));
    }

    [Fact]
    public void Alive2_AnyBody_NeverThrows()
    {
        var bodies = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()).Select(b => (byte[])[EpmdTags.Alive2Request, .. b]);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), Prop.ForAll(bodies.ToArbitrary(), body =>
        {
            var status = Alive2Request.TryParse(body, out var request, out _);
            return status == EpmdParseStatus.Ok == (request is not null);
        }));
    }

    [Fact]
    public void PortPlease2_FollowsEpmdsNameRules()
    {
        Assert.Equal(EpmdParseStatus.Ok, PortPlease2Request.TryParse([EpmdTags.PortPlease2Request, (byte)'a', 0], out var withNul));
        Assert.Equal("a", withNul);
        Assert.Equal(EpmdParseStatus.Malformed, PortPlease2Request.TryParse([EpmdTags.PortPlease2Request], out _));
        Assert.Equal(EpmdParseStatus.Malformed, PortPlease2Request.TryParse([EpmdTags.PortPlease2Request, 0], out _));
        Assert.Equal(EpmdParseStatus.Malformed, PortPlease2Request.TryParse([EpmdTags.PortPlease2Request, (byte)'a', 0, (byte)'b'], out _));
        Assert.Equal(EpmdParseStatus.Malformed, PortPlease2Request.TryParse([EpmdTags.PortPlease2Request, 0xc3], out _));
        // epmd counts the terminator among the 255 characters: 254 is the longest name it will look up.
        Assert.Equal(EpmdParseStatus.Ok, PortPlease2Request.TryParse(PortPlease2Request.ToFrame(new string('n', 254)).AsSpan(2), out _));
        Assert.Equal(EpmdParseStatus.Malformed, PortPlease2Request.TryParse(PortPlease2Request.ToFrame(new string('n', 255)).AsSpan(2), out _));
    }

    [Fact]
    public void Stop_ReadsACString_AndKeepsNonUtf8AsNoName()
    {
        Assert.Equal(EpmdParseStatus.Malformed, StopRequest.TryParse([EpmdTags.StopRequest], out _));
        Assert.Equal(EpmdParseStatus.Ok, StopRequest.TryParse([EpmdTags.StopRequest, (byte)'a', 0, (byte)'b'], out var name));
        Assert.Equal("a", name);
        Assert.Equal(EpmdParseStatus.Ok, StopRequest.TryParse([EpmdTags.StopRequest, 0xff], out var none));
        Assert.Null(none);
    }

    [Fact]
    public void Utf8Check_AgreesWithAStrictDecoder()
    {
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var bytes = Gen.ArrayOf(Gen.Frequency(
            (4, Gen.Choose(0, 0x7f)), (2, Gen.Choose(0x80, 0xbf)), (2, Gen.Choose(0xc0, 0xff)), (1, Gen.Elements(0xe0, 0xed, 0xf0, 0xf4, 0xa0, 0x90, 0x8f))).Select(b => (byte)b));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(5000), Prop.ForAll(bytes.ToArbitrary(), input =>
        {
            var count = EpmdUtf8.CountCharacters(input);
            try
            {
                var text = strict.GetString(input);
                return count == text.EnumerateRunes().Count();
            }
            catch (DecoderFallbackException)
            {
                return count == -1;
            }
        }));
    }
}
