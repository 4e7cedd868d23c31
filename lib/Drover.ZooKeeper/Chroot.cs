namespace Drover.ZooKeeper;

/// <summary>
/// The optional path suffix of a connect string ("host:2181/app"): every path the client sends is
/// prefixed with it, and every path the server returns (created names, watch events) is stripped of it,
/// so callers see "/" as the chroot node.
/// </summary>
internal sealed class Chroot
{
    private Chroot(string? root)
    {
        Root = root;
    }

    public static Chroot None { get; } = new(null);

    /// <summary>The chroot, or null for none.</summary>
    public string? Root { get; }

    public static Chroot Of(string? root)
    {
        if (root is null || root == "/")
        {
            return None;
        }
        ZooKeeperPath.Validate(root);
        return new Chroot(root);
    }

    public string ToServer(string clientPath)
    {
        if (Root is null)
        {
            return clientPath;
        }
        return clientPath == "/" ? Root : Root + clientPath;
    }

    /// <summary>The client's view of a server path; null when the path lies outside the chroot.</summary>
    public string? ToClient(string serverPath)
    {
        if (Root is null)
        {
            return serverPath;
        }
        if (serverPath == Root)
        {
            return "/";
        }
        if (serverPath.Length > Root.Length && serverPath.StartsWith(Root, StringComparison.Ordinal) && serverPath[Root.Length] == '/')
        {
            return serverPath[Root.Length..];
        }
        return null;
    }
}
