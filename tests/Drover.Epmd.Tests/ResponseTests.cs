using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using Drover.Epmd.Protocol;

namespace Drover.Epmd.Tests;

public class ResponseTests
{
    [Fact]
    public void Alive2_Version6_Is118With32BitCreation()
    {
        // The bytes epmd sent to `erl -sname t1` (debug dump): 76 00 6b 01 9e a8.
        Assert.Equal(new byte[] { 0x76, 0x00, 0x6b, 0x01, 0x9e, 0xa8 }, EpmdResponses.Alive2(true, 1795268264, 6));
    }

    [Fact]
    public void Alive2_Version5_Is121With16BitCreation()
    {
        Assert.Equal(new byte[] { 121, 0, 0, 3 }, EpmdResponses.Alive2(true, 3, 5));
        Assert.Equal(new byte[] { 121, 1, 0, 99 }, EpmdResponses.Alive2(false, EpmdLimits.RefusedCreation, 5));
        Assert.Equal(new byte[] { 118, 1, 0, 0, 0, 99 }, EpmdResponses.Alive2(false, EpmdLimits.RefusedCreation, 6));
    }

    [Fact]
    public void Port2Found_LaysOutEveryField()
    {
        var node = new NodeRegistration("ab", 0x1234, EpmdNodeType.Hidden, 0, 6, 5, ImmutableArray.Create<byte>(9, 8));
        Assert.Equal(
            new byte[] { 119, 0, 0x12, 0x34, 72, 0, 0, 6, 0, 5, 0, 2, (byte)'a', (byte)'b', 0, 2, 9, 8 },
            EpmdResponses.Port2Found(node));
        Assert.Equal(new byte[] { 119, 1 }, EpmdResponses.Port2NotFound.ToArray());
    }

    [Fact]
    public void NamesAndDumpLines_AreEpmdsText()
    {
        var output = new ArrayBufferWriter<byte>();
        EpmdResponses.WritePortHeader(output, 4369);
        EpmdResponses.WriteNamesLine(output, "riak", 40073);
        EpmdResponses.WriteDumpActiveLine(output, "riak", 40073, 5);
        EpmdResponses.WriteDumpRetiredLine(output, "old", 1, 6);
        var bytes = output.WrittenSpan.ToArray();
        Assert.Equal(new byte[] { 0, 0, 0x11, 0x11 }, bytes[..4]);
        Assert.Equal(
            "name riak at port 40073\nactive name     <riak> at port 40073, fd = 5\n\0old/unused name <old>, port = 1, fd = 6 \n\0",
            Encoding.UTF8.GetString(bytes, 4, bytes.Length - 4));
    }
}
