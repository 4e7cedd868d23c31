using Drover.ZooKeeper.Jute;

namespace Drover.ZooKeeper;

/// <summary>Permissions an ACL entry grants (ZooDefs.Perms).</summary>
[Flags]
public enum Perms
{
    None = 0,
    Read = 1 << 0,
    Write = 1 << 1,
    Create = 1 << 2,
    Delete = 1 << 3,
    Admin = 1 << 4,
    All = Read | Write | Create | Delete | Admin,
}

/// <summary>An identity in an authentication scheme, e.g. ("world", "anyone") or ("digest", "user:hash").</summary>
public sealed record Id(string Scheme, string Identity)
{
    internal int Size => JuteSize.String(Scheme) + JuteSize.String(Identity);

    internal static Id Read(ref JuteReader reader) => new(
        reader.ReadString("id.scheme") ?? "",
        reader.ReadString("id.id") ?? "");

    internal void Write(ref JuteWriter writer)
    {
        writer.WriteString(Scheme);
        writer.WriteString(Identity);
    }
}

/// <summary>One ACL entry: the permissions an identity has on a znode.</summary>
public sealed record Acl(Perms Perms, Id Id)
{
    // perms (int) + id.scheme + id.id; the two strings take at least their length fields
    internal const int MinSize = JuteSize.Int + (2 * JuteSize.Int);

    internal int Size => JuteSize.Int + Id.Size;

    internal static Acl Read(ref JuteReader reader)
    {
        var perms = (Perms)reader.ReadInt("acl.perms");
        return new Acl(perms, Id.Read(ref reader));
    }

    internal void Write(ref JuteWriter writer)
    {
        writer.WriteInt((int)Perms);
        Id.Write(ref writer);
    }

    internal static int ListSize(IReadOnlyList<Acl> acl)
    {
        var size = JuteSize.Int; // count
        foreach (var entry in acl)
        {
            size += entry.Size;
        }
        return size;
    }

    internal static void WriteList(ref JuteWriter writer, IReadOnlyList<Acl> acl)
    {
        writer.WriteInt(acl.Count);
        foreach (var entry in acl)
        {
            entry.Write(ref writer);
        }
    }

    internal static List<Acl> ReadList(ref JuteReader reader, string field)
    {
        var count = reader.ReadCount(field, MinSize);
        var list = new List<Acl>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(Read(ref reader));
        }
        return list;
    }
}

/// <summary>The well-known identities and ACLs of ZooDefs.Ids.</summary>
public static class Ids
{
    /// <summary>Anyone at all: ("world", "anyone").</summary>
    public static Id AnyoneIdUnsafe { get; } = new("world", "anyone");

    /// <summary>Only for setting ACLs: the server replaces it with the identities the client authenticated with.</summary>
    public static Id AuthIds { get; } = new("auth", "");

    /// <summary>A completely open ACL.</summary>
    public static IReadOnlyList<Acl> OpenAclUnsafe { get; } = [new Acl(Perms.All, AnyoneIdUnsafe)];

    /// <summary>All permissions for the identities the creator authenticated with.</summary>
    public static IReadOnlyList<Acl> CreatorAllAcl { get; } = [new Acl(Perms.All, AuthIds)];

    /// <summary>Read access for anyone.</summary>
    public static IReadOnlyList<Acl> ReadAclUnsafe { get; } = [new Acl(Perms.Read, AnyoneIdUnsafe)];
}
