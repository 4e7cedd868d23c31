using Drover.ZooKeeper;

namespace Drover.Registry;

/// <summary>
/// The framework's ZooKeeper identity in the "digest" scheme. The password stays inside: it is in no
/// property, no <see cref="ToString"/>, and no exception message.
/// </summary>
public sealed class DigestCredentials
{
    private readonly string _password;

    public DigestCredentials(string user, string password)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Length == 0)
        {
            throw new ArgumentException("A digest user name cannot be empty.", nameof(user));
        }
        if (user.Contains(':', StringComparison.Ordinal))
        {
            // The server splits "user:password" at the first colon.
            throw new ArgumentException($"A digest user name cannot contain ':' (user '{user}').", nameof(user));
        }
        User = user;
        _password = password;
    }

    public string User { get; }

    /// <summary>The identity ACL entries name: digest "user:base64(sha1(user:password))".</summary>
    public Id Id => DigestAuth.Id(User, _password);

    /// <summary>What the client sends on every connection.</summary>
    public AuthInfo AuthInfo => AuthInfo.Digest(User, _password);

    /// <summary>
    /// Parses "user:password" (NodeSpec's ZooKeeperSpec.digest). The password may contain colons; the
    /// error for a malformed value does not repeat the value.
    /// </summary>
    public static DigestCredentials Parse(string userColonPassword)
    {
        ArgumentNullException.ThrowIfNull(userColonPassword);
        var colon = userColonPassword.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException(
                $"Digest credentials must look like 'user:password' (got {userColonPassword.Length} characters {(colon == 0 ? "with an empty user" : "without a colon")}).");
        }
        return new DigestCredentials(userColonPassword[..colon], userColonPassword[(colon + 1)..]);
    }

    public override string ToString() => $"digest {User}:***";
}
