using Drover.ZooKeeper.Jute;

namespace Drover.ZooKeeper.Protocol;

/// <summary>Starts every reply: which request it answers, the zxid it saw, and an error code (0 = none).</summary>
internal readonly record struct ReplyHeader(int Xid, long Zxid, int Err)
{
    // xid (int) + zxid (long) + err (int)
    public const int Size = JuteSize.Int + JuteSize.Long + JuteSize.Int;

    public static ReplyHeader Read(ref JuteReader reader) => new(
        reader.ReadInt("replyHeader.xid"),
        reader.ReadLong("replyHeader.zxid"),
        reader.ReadInt("replyHeader.err"));

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(Xid);
        writer.WriteLong(Zxid);
        writer.WriteInt(Err);
    }
}

/// <summary>Starts every request but the ConnectRequest.</summary>
internal readonly record struct RequestHeader(int Xid, OpCode Type)
{
    // xid (int) + type (int)
    public const int Size = JuteSize.Int + JuteSize.Int;

    public static RequestHeader Read(ref JuteReader reader) => new(
        reader.ReadInt("requestHeader.xid"),
        (OpCode)reader.ReadInt("requestHeader.type"));

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(Xid);
        writer.WriteInt((int)Type);
    }
}

/// <summary>
/// The first packet of every connection. A session id of 0 asks for a new session; otherwise the
/// server reattaches the session if the password matches and it has not expired. The trailing readOnly
/// flag (ClientCnxn writes it after the record) says whether a read-only server may accept us.
/// </summary>
internal sealed record ConnectRequest(int ProtocolVersion, long LastZxidSeen, int TimeOut, long SessionId, byte[] Password, bool ReadOnly)
{
    // protocolVersion (int) + lastZxidSeen (long) + timeOut (int) + sessionId (long) + passwd (buffer) + readOnly (bool)
    public int Size => JuteSize.Int + JuteSize.Long + JuteSize.Int + JuteSize.Long + JuteSize.Buffer(Password.Length) + JuteSize.Bool;

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(ProtocolVersion);
        writer.WriteLong(LastZxidSeen);
        writer.WriteInt(TimeOut);
        writer.WriteLong(SessionId);
        writer.WriteBuffer(Password);
        writer.WriteBool(ReadOnly);
    }

    public static ConnectRequest Read(ref JuteReader reader)
    {
        var version = reader.ReadInt("connect.protocolVersion");
        var lastZxid = reader.ReadLong("connect.lastZxidSeen");
        var timeout = reader.ReadInt("connect.timeOut");
        var sessionId = reader.ReadLong("connect.sessionId");
        var password = reader.ReadBuffer("connect.passwd") ?? [];
        var readOnly = reader.Remaining > 0 && reader.ReadBool("connect.readOnly");
        return new ConnectRequest(version, lastZxid, timeout, sessionId, password, readOnly);
    }
}

/// <summary>
/// The server's answer to a ConnectRequest. A timeout of 0 or less means the session is expired
/// (or the password was wrong). Servers since 3.4 append a readOnly flag.
/// </summary>
internal sealed record ConnectResponse(int ProtocolVersion, int TimeOut, long SessionId, byte[] Password, bool ReadOnly)
{
    // protocolVersion (int) + timeOut (int) + sessionId (long) + passwd (buffer) + readOnly (bool)
    public int Size => JuteSize.Int + JuteSize.Int + JuteSize.Long + JuteSize.Buffer(Password.Length) + JuteSize.Bool;

    public static ConnectResponse Read(ref JuteReader reader)
    {
        var version = reader.ReadInt("connectResponse.protocolVersion");
        var timeout = reader.ReadInt("connectResponse.timeOut");
        var sessionId = reader.ReadLong("connectResponse.sessionId");
        var password = reader.ReadBuffer("connectResponse.passwd") ?? [];
        // Pre-3.4 servers end here; the official client tolerates the missing flag too.
        var readOnly = reader.Remaining > 0 && reader.ReadBool("connectResponse.readOnly");
        return new ConnectResponse(version, timeout, sessionId, password, readOnly);
    }

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(ProtocolVersion);
        writer.WriteInt(TimeOut);
        writer.WriteLong(SessionId);
        writer.WriteBuffer(Password);
        writer.WriteBool(ReadOnly);
    }
}

/// <summary>The body of a notification (xid -1): what happened, and to which server path.</summary>
internal readonly record struct WatcherEventRecord(int Type, int State, string? Path)
{
    public int Size => JuteSize.Int + JuteSize.Int + JuteSize.String(Path);

    public static WatcherEventRecord Read(ref JuteReader reader) => new(
        reader.ReadInt("watcherEvent.type"),
        reader.ReadInt("watcherEvent.state"),
        reader.ReadString("watcherEvent.path"));

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(Type);
        writer.WriteInt(State);
        writer.WriteString(Path);
    }
}

/// <summary>Precedes each operation of a multi request and each result of its reply; done=true ends the list.</summary>
internal readonly record struct MultiHeader(int Type, bool Done, int Err)
{
    // type (int) + done (bool) + err (int)
    public const int Size = JuteSize.Int + JuteSize.Bool + JuteSize.Int;

    public static MultiHeader Read(ref JuteReader reader) => new(
        reader.ReadInt("multiHeader.type"),
        reader.ReadBool("multiHeader.done"),
        reader.ReadInt("multiHeader.err"));

    public void Write(ref JuteWriter writer)
    {
        writer.WriteInt(Type);
        writer.WriteBool(Done);
        writer.WriteInt(Err);
    }
}
