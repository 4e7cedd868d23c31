using System.Text;
using Drover.ZooKeeper.Jute;
using Drover.ZooKeeper.Protocol;
using Drover.ZooKeeper.Requests;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.ZooKeeper.Tests;

/// <summary>Property tests of the codec: round trips, every truncation point, random garbage.</summary>
public sealed class JuteTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300);

    private static Gen<string> Text =>
        from chars in Gen.ArrayOf(Gen.OneOf(Gen.Choose(32, 126), Gen.Choose(0xa0, 0xd7ff), Gen.Choose(0xe000, 0xfffd)).Select(c => (char)c))
        select new string(chars);

    private static Gen<Stat> Stats =>
        from longs in Gen.ArrayOf(ArbMap.Default.GeneratorFor<long>(), 6)
        from ints in Gen.ArrayOf(ArbMap.Default.GeneratorFor<int>(), 5)
        select new Stat(longs[0], longs[1], longs[2], longs[3], ints[0], ints[1], ints[2], longs[4], ints[3], ints[4], longs[5]);

    private static Gen<Acl> Acls =>
        from perms in Gen.Choose(0, 31)
        from scheme in Text
        from identity in Text
        select new Acl((Perms)perms, new Id(scheme, identity));

    [Fact]
    public void Stat_RoundTrips() =>
        Check.One(Runs, Prop.ForAll(Stats.ToArbitrary(), stat =>
        {
            var bytes = Write(Stat.Size, (ref JuteWriter w) => stat.Write(ref w));
            var reader = new JuteReader(bytes);
            return Stat.Read(ref reader) == stat && reader.Remaining == 0;
        }));

    [Fact]
    public void AclList_RoundTrips() =>
        Check.One(Runs, Prop.ForAll(Gen.ListOf(Acls).ToArbitrary(), acl =>
        {
            var bytes = Write(Acl.ListSize(acl), (ref JuteWriter w) => Acl.WriteList(ref w, acl));
            var reader = new JuteReader(bytes);
            return Acl.ReadList(ref reader, "acl").SequenceEqual(acl) && reader.Remaining == 0;
        }));

    [Fact]
    public void StringsBuffersAndPrimitives_RoundTrip() =>
        Check.One(Runs, Prop.ForAll(
            (from text in Text
             from buffer in ArbMap.Default.GeneratorFor<byte[]>()
             from number in ArbMap.Default.GeneratorFor<long>()
             from flag in ArbMap.Default.GeneratorFor<bool>()
             select (text, buffer: buffer ?? [], number, flag)).ToArbitrary(),
            values =>
            {
                var (text, buffer, number, flag) = values;
                var size = JuteSize.String(text) + JuteSize.String(null) + JuteSize.Buffer(buffer.Length) + JuteSize.Long + JuteSize.Bool + JuteSize.Int;
                var bytes = Write(size, (ref JuteWriter w) =>
                {
                    w.WriteString(text);
                    w.WriteString(null);
                    w.WriteBuffer(buffer);
                    w.WriteLong(number);
                    w.WriteBool(flag);
                    w.WriteNullBuffer();
                });
                var reader = new JuteReader(bytes);
                return reader.ReadString("s") == text
                    && reader.ReadString("null") is null
                    && reader.ReadBuffer("b")!.SequenceEqual(buffer)
                    && reader.ReadLong("l") == number
                    && reader.ReadBool("f") == flag
                    && reader.ReadBuffer("nb") is null
                    && reader.Remaining == 0;
            }));

    [Fact]
    public void ConnectRecords_RoundTrip() =>
        Check.One(Runs, Prop.ForAll(
            ArbMap.Default.ArbFor<long>(), ArbMap.Default.ArbFor<int>(), ArbMap.Default.ArbFor<bool>(),
            (sessionId, timeout, readOnly) =>
            {
                var password = BitConverter.GetBytes(sessionId ^ timeout);
                var request = new ConnectRequest(0, sessionId / 3, timeout, sessionId, password, readOnly);
                var requestBytes = Write(request.Size, (ref JuteWriter w) => request.Write(ref w));
                var response = new ConnectResponse(0, timeout, sessionId, password, readOnly);
                var responseBytes = Write(response.Size, (ref JuteWriter w) => response.Write(ref w));
                var requestReader = new JuteReader(requestBytes);
                var responseReader = new JuteReader(responseBytes);
                var readRequest = ConnectRequest.Read(ref requestReader);
                var readResponse = ConnectResponse.Read(ref responseReader);
                return readRequest with { Password = password } == request && readRequest.Password.SequenceEqual(password)
                    && readResponse with { Password = password } == response && readResponse.Password.SequenceEqual(password);
            }));

    [Fact]
    public void ConnectResponse_FromAPre34Server_WithoutTheReadOnlyFlag_StillParses()
    {
        var response = new ConnectResponse(0, 4000, 42, new byte[16], false);
        var bytes = Write(response.Size, (ref JuteWriter w) => response.Write(ref w));
        var reader = new JuteReader(bytes.AsSpan(0, bytes.Length - 1));

        var read = ConnectResponse.Read(ref reader);

        Assert.Equal((4000, 42L, false), (read.TimeOut, read.SessionId, read.ReadOnly));
    }

    [Fact]
    public void EveryTruncationOfARecord_IsAProtocolError_NeverAnotherException()
    {
        var stat = new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        var acl = new List<Acl> { new(Perms.All, new Id("digest", "u:h")), new(Perms.Read, Ids.AnyoneIdUnsafe) };
        var full = Write(JuteSize.Buffer(3) + Stat.Size + Acl.ListSize(acl), (ref JuteWriter w) =>
        {
            w.WriteBuffer("abc"u8);
            stat.Write(ref w);
            Acl.WriteList(ref w, acl);
        });
        for (var length = 0; length < full.Length; length++)
        {
            var error = Assert.Throws<ZooKeeperProtocolException>(() =>
            {
                var reader = new JuteReader(full.AsSpan(0, length));
                reader.ReadBuffer("data");
                Stat.Read(ref reader);
                Acl.ReadList(ref reader, "acl");
            });
            // Cut inside a fixed-size field, or after a length that now promises more than is left.
            Assert.Contains(error.Kind, new[] { ProtocolErrorKind.RecordCutShort, ProtocolErrorKind.LengthBeyondFrame });
        }
    }

    [Fact]
    public void HostileLengths_AreRefused_BeforeAnythingIsAllocated()
    {
        byte[] hugeString = [0x7f, 0xff, 0xff, 0xff, 1, 2];
        byte[] negativeString = [0xff, 0xff, 0xff, 0xf0];
        byte[] hugeVector = [0x10, 0x00, 0x00, 0x00, 0, 0, 0, 0];

        Assert.Equal((ProtocolErrorKind.LengthBeyondFrame, "s"), Read(hugeString, (ref JuteReader r) => r.ReadString("s")));
        Assert.Equal((ProtocolErrorKind.NegativeLength, "b"), Read(negativeString, (ref JuteReader r) => r.ReadBuffer("b")));
        Assert.Equal((ProtocolErrorKind.LengthBeyondFrame, "acl"), Read(hugeVector, (ref JuteReader r) => Acl.ReadList(ref r, "acl")));
    }

    /// <summary>Random bytes as the body of every kind of reply: a result or a protocol error, nothing else.</summary>
    [Fact]
    public void RandomReplyBodies_ParseOrFailWithAProtocolError()
    {
        var chroot = Chroot.Of("/root");
        Func<Request>[] requests =
        [
            () => new GetDataRequest("/a", "/root/a"),
            () => new ExistsRequest("/a", "/root/a"),
            () => new GetChildrenRequest("/a", "/root/a"),
            () => new CreateNodeRequest("/a", "/root/a", default, Ids.OpenAclUnsafe, CreateMode.Persistent, chroot),
            () => new SetDataRequest("/a", "/root/a", default, -1),
            () => new GetAclRequest("/a", "/root/a"),
            () => new SetAclRequest("/a", "/root/a", Ids.OpenAclUnsafe, -1),
            () => new SyncRequest("/a", "/root/a"),
            () => new MultiRequest([Op.Create("/a", default, Ids.OpenAclUnsafe, CreateMode.Persistent), Op.Delete("/b")], chroot),
        ];
        var bodies = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            // Mostly-valid shapes: small big-endian ints where lengths and counts are read.
            Gen.ArrayOf(Gen.Elements<byte>(0, 0, 0, 1, 2, 0xff, 0x7f, 0x80, (byte)'/', (byte)'r')));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(bodies.ToArbitrary(), Gen.Choose(0, requests.Length - 1).ToArbitrary(), (body, which) =>
        {
            var request = requests[which]();
            try
            {
                var reader = new JuteReader(body ?? []);
                request.Receive(0, ref reader);
            }
            catch (ZooKeeperProtocolException)
            {
            }
            return true;
        }));
    }

    [Fact]
    public void RequestFrames_MatchTheirDeclaredSize()
    {
        var chroot = Chroot.Of("/r");
        Request[] requests =
        [
            new CreateNodeRequest("/a", "/r/a", "data"u8.ToArray(), [DigestAuth.Acl(Perms.All, "u", "p")], CreateMode.EphemeralSequential, chroot),
            new DeleteNodeRequest("/a", "/r/a", 3),
            new SetDataRequest("/ü", "/r/ü", new byte[100], 1),
            new GetChildrenRequest("/a", "/r/a") { Watch = new WatchRegistration("/a", _ => { }) },
            new MultiRequest([Op.Create("/x", "1"u8.ToArray(), Ids.OpenAclUnsafe, CreateMode.Container), Op.SetData("/y", default), Op.Check("/z", 1), Op.Delete("/w", 2)], chroot),
            new SetWatchesRequest(5, ["/a"], [], ["/b", "/c"]),
            new AuthRequest("digest", Encoding.UTF8.GetBytes("u:p")),
            new CloseSessionRequest(),
        ];
        foreach (var request in requests)
        {
            request.Xid = 9;
            var frame = new byte[4 + request.PacketSize];
            Assert.Equal(frame.Length, request.WriteFrame(frame));
            var result = FrameReader.TryRead(frame, int.MaxValue);
            Assert.Equal(new FrameResult(FrameStatus.Complete, request.PacketSize), result);
            var reader = new JuteReader(frame.AsSpan(4));
            Assert.Equal(new RequestHeader(9, request.OpCode), RequestHeader.Read(ref reader));
        }
    }

    [Fact]
    public void SetWatches_AreSplitIntoBoundedBatches()
    {
        var paths = Enumerable.Range(0, 6000).Select(i => $"/some/fairly/long/path/number/{i:D6}").ToList();

        var batches = SetWatchesRequest.Batches(7, paths, ["/e"], paths.Take(10).ToList());

        Assert.True(batches.Count > 1);
        Assert.All(batches, b => Assert.True(b.PacketSize < SetWatchesRequest.MaxBatchLength + 4096, $"{b.PacketSize} bytes"));
        Assert.Equal(paths, batches.SelectMany(b => b.DataWatches));
        Assert.Equal(["/e"], batches.SelectMany(b => b.ExistWatches));
        Assert.Equal(10, batches.SelectMany(b => b.ChildWatches).Count());
    }

    private delegate void WriteAction(ref JuteWriter writer);

    private delegate object? ReadAction(ref JuteReader reader);

    private static byte[] Write(int size, WriteAction write)
    {
        var bytes = new byte[size];
        var writer = new JuteWriter(bytes);
        write(ref writer);
        Assert.Equal(size, writer.Position);
        return bytes;
    }

    private static (ProtocolErrorKind Kind, string? Field) Read(byte[] bytes, ReadAction read)
    {
        var error = Assert.Throws<ZooKeeperProtocolException>(() =>
        {
            var reader = new JuteReader(bytes);
            read(ref reader);
        });
        return (error.Kind, error.Field);
    }
}
