using System.Security.Cryptography;
using System.Text;

namespace Drover.ZooKeeper;

/// <summary>
/// ZooKeeper's "digest" scheme: the client authenticates with "user:password"; ACLs name the identity
/// "user:base64(sha1(user:password))" (DigestAuthenticationProvider.generateDigest).
/// </summary>
public static class DigestAuth
{
    public const string Scheme = "digest";

    /// <summary>The bytes to pass to <see cref="ZooKeeperClient.AddAuthAsync"/> or <see cref="AuthInfo"/>.</summary>
    public static byte[] Credentials(string user, string password)
    {
        Validate(user, password);
        return Encoding.UTF8.GetBytes($"{user}:{password}");
    }

    /// <summary>The identity an ACL entry names for this user and password.</summary>
    public static Id Id(string user, string password)
    {
        Validate(user, password);
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"{user}:{password}"));
        return new Id(Scheme, $"{user}:{Convert.ToBase64String(hash)}");
    }

    /// <summary>An ACL entry granting <paramref name="perms"/> to this user.</summary>
    public static Acl Acl(Perms perms, string user, string password) => new(perms, Id(user, password));

    private static void Validate(string user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            // The server splits "user:password" at the first colon.
            throw new ArgumentException($"A digest user name cannot contain ':' (got '{user}').", nameof(user));
        }
    }
}

/// <summary>Credentials the client sends after every (re)connection, as the official client does.</summary>
public sealed record AuthInfo(string Scheme, byte[] Data)
{
    public static AuthInfo Digest(string user, string password) => new(DigestAuth.Scheme, DigestAuth.Credentials(user, password));
}
