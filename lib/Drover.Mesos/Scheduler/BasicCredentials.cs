using System.Text;

namespace Drover.Mesos.Scheduler;

/// <summary>
/// HTTP basic authentication for masters that authenticate frameworks (<c>--authenticate_frameworks</c> with
/// the HTTP authenticator): the framework's principal and its secret.
/// </summary>
public sealed record BasicCredentials
{
    public BasicCredentials(string principal, string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(principal);
        ArgumentNullException.ThrowIfNull(secret);
        if (principal.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("a basic-auth principal cannot contain ':'", nameof(principal));
        }

        Principal = principal;
        Secret = secret;
    }

    public string Principal { get; }

    public string Secret { get; }

    /// <summary>The secret is the file's content without a trailing newline (how operators write secret files).</summary>
    public static BasicCredentials FromFile(string principal, string secretFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(secretFile);
        var secret = File.ReadAllText(secretFile).TrimEnd('\r', '\n');
        if (secret.Length == 0)
        {
            throw new InvalidDataException($"the secret file {secretFile} is empty");
        }

        return new BasicCredentials(principal, secret);
    }

    /// <summary>The value of the Authorization header.</summary>
    public string HeaderValue => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(Principal + ":" + Secret));

    /// <summary>Never prints the secret.</summary>
    public override string ToString() => $"{Principal}:<secret>";
}
