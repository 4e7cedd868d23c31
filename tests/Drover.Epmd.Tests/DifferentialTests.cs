using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Drover.Epmd.Protocol;
using Drover.Epmd.Tests.Support;
using Drover.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Epmd.Tests;

/// <summary>
/// The same requests to OTP 25's own <c>epmd</c> and to <see cref="EpmdServer"/>: the answers must be the
/// same bytes, except the values that are the server's own (its port in NAMES/DUMP, descriptors in DUMP,
/// creation numbers).
/// </summary>
public sealed partial class DifferentialTests
{
    [Fact]
    public async Task Alive2_AnswerLayouts_MatchEpmd()
    {
        await using var pair = await Pair.StartAsync();
        foreach (var request in new[]
        {
            AliveClient.Node("v6", 40001),
            AliveClient.Node("v5", 40002, highest: 5, lowest: 5),
            AliveClient.Node("hidden", 40003, extra: [1, 2, 3], type: EpmdNodeType.Hidden),
            AliveClient.Node("v6", 40004), // duplicate
            AliveClient.Node("v5", 40005, highest: 5), // duplicate, old format
        })
        {
            var (epmd, ours) = pair.Register(request);
            Assert.Equal(Normalize(EpmdTags.Alive2Request, epmd.Reply), Normalize(EpmdTags.Alive2Request, ours.Reply));
        }
        Assert.Equal(pair.Epmd(PortPlease2Request.ToFrame("hidden")), pair.Ours(PortPlease2Request.ToFrame("hidden")));
    }

    [Fact]
    public async Task PortPlease2Names_AndDump_MatchEpmd()
    {
        await using var pair = await Pair.StartAsync();
        pair.Register(AliveClient.Node("alpha", 5001, extra: [0, 42]));
        pair.Register(AliveClient.Node("beta", 5002, highest: 5));
        var (gamma1, gamma2) = pair.Register(AliveClient.Node("gamma", 5003));
        gamma1.Dispose();
        gamma2.Dispose();
        pair.AssertSame(PortPlease2Request.ToFrame("gamma")); // polls until both forgot it
        foreach (var request in new[]
        {
            PortPlease2Request.ToFrame("alpha"),
            PortPlease2Request.ToFrame("beta"),
            PortPlease2Request.ToFrame("nobody"),
            RawClient.Frame([EpmdTags.PortPlease2Request, .. "alpha"u8.ToArray(), 0]),
            RawClient.Frame(EpmdTags.NamesRequest),
            RawClient.Frame(EpmdTags.DumpRequest),
            RawClient.Frame(EpmdTags.NamesRequest, 1, 2, 3),
        })
        {
            pair.AssertSame(request);
        }
    }

    [Fact]
    public async Task EdgeCases_MatchEpmd()
    {
        await using var pair = await Pair.StartAsync();
        pair.Register(AliveClient.Node("holder", 6000));
        pair.Register(AliveClient.Node(new string('l', 255), 6001));
        pair.Register(AliveClient.Node(new string('m', 254), 6002));
        pair.Register(AliveClient.Node("å", 6003));
        byte[] emptyName = [0, 14, EpmdTags.Alive2Request, 0x17, 0x70, 77, 0, 0, 6, 0, 5, 0, 0, 0, 1, 9];
        foreach (var request in new[]
        {
            emptyName, // epmd registers an empty name
            AliveClient.Node(new string('x', 256), 1).ToFrame(),
            AliveClient.Node("ok", 1, extra: new byte[1021]).ToFrame(),
            AliveClient.Node("bad\0name", 1).ToFrame(),
            RawClient.Frame([EpmdTags.Alive2Request, 0, 1, 77, 0, 0, 6, 0, 5, 0, 2, 0xc3, 0x28, 0, 0]), // not UTF-8
            PortPlease2Request.ToFrame(new string('l', 255)), // registered, but epmd cannot look it up
            PortPlease2Request.ToFrame(new string('m', 254)),
            PortPlease2Request.ToFrame("å"),
            RawClient.Frame(EpmdTags.PortPlease2Request),
            RawClient.Frame(EpmdTags.PortPlease2Request, 0xff),
            RawClient.Frame([EpmdTags.StopRequest, .. "holder"u8.ToArray()]), // not relaxed
            RawClient.Frame(EpmdTags.KillRequest), // nodes registered: "NO"
            RawClient.Frame(0x42),
            [0, 0],
            [0x0b, 0xf1, EpmdTags.NamesRequest], // 3057: the largest length, then the peer closes
            [0x0b, 0xf2, EpmdTags.NamesRequest], // 3058: too long
            [0, 1, EpmdTags.NamesRequest, 0], // one byte more than declared
            RawClient.Frame(EpmdTags.NamesRequest),
            RawClient.Frame(EpmdTags.DumpRequest),
        })
        {
            pair.AssertSame(request);
        }
    }

    [Fact]
    public async Task Stop_WhenRelaxed_MatchesEpmd()
    {
        await using var pair = await Pair.StartAsync(relaxed: true);
        var (epmdNode, ourNode) = pair.Register(AliveClient.Node("target", 7000));
        pair.AssertSame(RawClient.Frame([EpmdTags.StopRequest, .. "target"u8.ToArray()]));
        Assert.True(epmdNode.WaitClosedByServer(RawClient.ReadDeadline));
        Assert.True(ourNode.WaitClosedByServer(RawClient.ReadDeadline));
        pair.AssertSame(RawClient.Frame([EpmdTags.StopRequest, .. "target"u8.ToArray()])); // NOEXIST, then STOPPED
        pair.AssertSame(RawClient.Frame(EpmdTags.StopRequest));
        pair.AssertSame(RawClient.Frame(EpmdTags.DumpRequest));
    }

    [Fact]
    public async Task Kill_WithoutNodes_MatchesEpmd_BothStop()
    {
        await using var pair = await Pair.StartAsync();
        pair.AssertSame(RawClient.Frame(EpmdTags.KillRequest));
        await Eventually.TrueAsync(() => pair.EpmdHasExited, "epmd to exit after KILL_REQ");
        await Eventually.TrueAsync(() => !Accepts(pair.OurEndPoint), "cEPMD to stop listening after KILL_REQ");
    }

    [Fact]
    public async Task RandomRequests_GetTheSameAnswersAsEpmd()
    {
        await using var pair = await Pair.StartAsync();
        // Held for the whole run, so lookups can hit and registrations can collide.
        pair.Register(AliveClient.Node("a", 1234, extra: [7]));
        pair.Register(AliveClient.Node("node", 4321, highest: 5));
        var names = Gen.Elements("a", "b", "ab", "node", "");
        var alive =
            from name in names
            from port in Gen.Choose(0, 65535)
            from highest in Gen.Elements(0, 5, 6, 7, 65535)
            from extra in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())
            select AliveClient.Node(name, (ushort)port, (ushort)highest, 5, extra).ToFrame();
        var tags = Gen.Elements(EpmdTags.Alive2Request, EpmdTags.PortPlease2Request, EpmdTags.NamesRequest,
            EpmdTags.DumpRequest, EpmdTags.StopRequest, (byte)0, (byte)'a', (byte)255);
        var bodies =
            from tag in tags
            from tail in Gen.Frequency(
                (3, names.Select(n => Encoding.UTF8.GetBytes(n))),
                (2, Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>())),
                (1, Gen.ArrayOf(Gen.Elements<byte>(0, 1, 13, 0x80, 0xc3, 0xff, (byte)'a'))))
            select RawClient.Frame([tag, .. tail]);
        var damaged =
            from frame in Gen.OneOf(alive, bodies)
            from damage in Gen.Choose(0, 5)
            from at in Gen.Choose(0, 1000)
            from value in ArbMap.Default.GeneratorFor<byte>()
            select Damage(frame, damage, at, value);
        var lookups = Gen.Elements("a", "node", "b", "zz").Select(PortPlease2Request.ToFrame);
        var requests = Gen.Frequency((3, alive), (4, bodies), (3, damaged), (2, lookups));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(250), Prop.ForAll(requests.ToArbitrary(), request =>
        {
            pair.AssertSame(request);
            return true;
        }));
        // Both still serve, and agree on what is left; and the cases did reach every kind of answer.
        pair.AssertSame(RawClient.Frame(EpmdTags.DumpRequest));
        Assert.True(pair.Counters.Registrations > 0 && pair.Counters.RegistrationsRefused > 0, "registrations");
        Assert.True(pair.Counters.LookupHits > 0 && pair.Counters.LookupMisses > 0, "lookups");
        Assert.True(pair.Counters.RejectedRequests > 0 && pair.Counters.NamesRequests > 0, "rejections and names");
    }

    private static bool Accepts(IPEndPoint endPoint)
    {
        try
        {
            RawClient.Connect(endPoint).Dispose();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    // Truncate, extend, or overwrite one byte; anything goes, including the length header.
    private static byte[] Damage(byte[] frame, int damage, int at, byte value)
    {
        var index = at % frame.Length;
        return damage switch
        {
            0 => frame[..index],
            1 => [.. frame, value],
            2 => [.. frame[..index], value, .. frame[(index + 1)..]],
            _ => frame,
        };
    }

    /// <summary>Blanks what legitimately differs: creations, the server's port, descriptors.</summary>
    internal static byte[] Normalize(byte tag, byte[] reply)
    {
        if (tag == EpmdTags.Alive2Request && reply.Length == 6 && reply[0] == EpmdTags.Alive2ExtendedResponse && reply[1] == 0)
        {
            return [reply[0], 0, 0, 0, 0, 0];
        }
        if (tag == EpmdTags.Alive2Request && reply.Length == 4 && reply[0] == EpmdTags.Alive2Response && reply[1] == 0)
        {
            Assert.InRange(reply[3], 1, 3);
            Assert.Equal(0, reply[2]);
            return [reply[0], 0, 0, 0];
        }
        if ((tag == EpmdTags.NamesRequest || tag == EpmdTags.DumpRequest) && reply.Length >= 4)
        {
            var text = Encoding.Latin1.GetString(reply, 4, reply.Length - 4);
            return [0, 0, 0, 0, .. Encoding.Latin1.GetBytes(Descriptor().Replace(text, "fd = N"))];
        }
        return reply;
    }

    [GeneratedRegex(@"fd = -?\d+")]
    private static partial Regex Descriptor();

    /// <summary>A real epmd and one of ours, fresh for one test.</summary>
    private sealed class Pair : IAsyncDisposable
    {
        private readonly RealEpmd _epmd;
        private readonly EpmdServer _ours;
        private readonly List<AliveClient> _held = [];

        private Pair(RealEpmd epmd, EpmdServer ours)
        {
            _epmd = epmd;
            _ours = ours;
        }

        public IPEndPoint OurEndPoint => _ours.LocalEndPoint;

        public EpmdServerCounters Counters => _ours.Counters;

        public bool EpmdHasExited => _epmd.HasExited;

        public static async Task<Pair> StartAsync(bool relaxed = false)
        {
            var epmd = await RealEpmd.StartAsync(relaxed);
            var ours = await TestServer.StartAsync(configure: o => o.RelaxedCommandCheck = relaxed);
            return new Pair(epmd, ours);
        }

        public (AliveClient Epmd, AliveClient Ours) Register(Alive2Request request)
        {
            var epmd = AliveClient.Register(_epmd.EndPoint, request);
            var ours = AliveClient.Register(_ours.LocalEndPoint, request);
            _held.Add(epmd);
            _held.Add(ours);
            return (epmd, ours);
        }

        public byte[] Epmd(byte[] request) => RawClient.Exchange(_epmd.EndPoint, request, halfClose: true).Bytes;

        public byte[] Ours(byte[] request) => RawClient.Exchange(_ours.LocalEndPoint, request, halfClose: true).Bytes;

        /// <summary>
        /// Sends <paramref name="request"/> to both (then half-closes, so a half request ends) and compares
        /// the normalized answers; both must close. Polls briefly, since an unregistration triggered by a
        /// closed registration may land a moment later in either server.
        /// </summary>
        public void AssertSame(byte[] request)
        {
            var tag = request.Length > 2 ? request[2] : (byte)0;
            Reply epmd = default!, ours = default!;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            do
            {
                epmd = RawClient.Exchange(_epmd.EndPoint, request, halfClose: true);
                ours = RawClient.Exchange(_ours.LocalEndPoint, request, halfClose: true);
                if (Normalize(tag, epmd.Bytes).AsSpan().SequenceEqual(Normalize(tag, ours.Bytes)))
                {
                    break;
                }
            }
            while (clock.Elapsed < TimeSpan.FromSeconds(2) && !IsRegistration(request));
            var what = Convert.ToHexString(request.Length > 64 ? request[..64] : request);
            Assert.True(epmd.ClosedByServer, $"epmd kept {what} open");
            Assert.True(ours.ClosedByServer, $"we kept {what} open");
            Assert.True(
                Normalize(tag, epmd.Bytes).AsSpan().SequenceEqual(Normalize(tag, ours.Bytes)),
                $"request {what}: epmd {Convert.ToHexString(epmd.Bytes)} ours {Convert.ToHexString(ours.Bytes)}");
        }

        // Sending a registration twice would register twice; it is compared once.
        private static bool IsRegistration(byte[] request) => request.Length > 2 && request[2] == EpmdTags.Alive2Request;

        public async ValueTask DisposeAsync()
        {
            foreach (var held in _held)
            {
                held.Dispose();
            }
            _epmd.Dispose();
            await _ours.DisposeAsync();
        }
    }
}
