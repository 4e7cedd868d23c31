namespace Drover.ZooKeeper.Protocol;

/// <summary>Request types (ZooDefs.OpCode), with their wire values.</summary>
internal enum OpCode
{
    Notification = 0,
    Create = 1,
    Delete = 2,
    Exists = 3,
    GetData = 4,
    SetData = 5,
    GetAcl = 6,
    SetAcl = 7,
    GetChildren = 8,
    Sync = 9,
    Ping = 11,
    GetChildren2 = 12,
    Check = 13,
    Multi = 14,
    Create2 = 15,
    Reconfig = 16,
    CheckWatches = 17,
    RemoveWatches = 18,
    CreateContainer = 19,
    DeleteContainer = 20,
    CreateTtl = 21,
    MultiRead = 22,
    Auth = 100,
    SetWatches = 101,
    Sasl = 102,
    GetEphemerals = 103,
    GetAllChildrenNumber = 104,
    SetWatches2 = 105,
    AddWatch = 106,
    CreateSession = -10,
    CloseSession = -11,
    Error = -1,
}

/// <summary>
/// Transaction ids with a meaning of their own (ClientCnxn). Ordinary requests count up from 1 and
/// wrap back to 1, so they never collide with these.
/// </summary>
internal static class Xid
{
    /// <summary>A watch notification from the server.</summary>
    public const int Notification = -1;

    /// <summary>A ping and its reply.</summary>
    public const int Ping = -2;

    /// <summary>An AuthPacket and its reply; answered out of band, before earlier requests' replies.</summary>
    public const int Auth = -4;

    /// <summary>A SetWatches request after a reconnection; its reply comes in order like any request.</summary>
    public const int SetWatches = -8;
}
