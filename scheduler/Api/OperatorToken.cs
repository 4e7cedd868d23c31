using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Drover.Scheduler.Api;

/// <summary>
/// The operator API's bearer token. Only its SHA-256 digest is kept, and a presented token is hashed and
/// compared with <see cref="CryptographicOperations.FixedTimeEquals"/>: the comparison takes the same time
/// whatever the presented token shares with the real one, its length included.
/// </summary>
public sealed class OperatorToken
{
    /// <summary>A token file is a line of text; anything larger is not one.</summary>
    public const int MaxFileBytes = 4096;

    /// <summary>Shorter secrets are guessable; <c>openssl rand -hex 32</c> makes a good one.</summary>
    public const int MinLength = 16;

    private readonly byte[] _digest;

    private OperatorToken(byte[] digest) => _digest = digest;

    /// <summary>A token from its text: visible ASCII only (it travels in an HTTP header), at least <see cref="MinLength"/> characters.</summary>
    public static OperatorToken FromSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinLength)
        {
            throw new FormatException($"the API token has {secret.Length} characters; at least {MinLength} are needed (e.g. openssl rand -hex 32)");
        }

        foreach (var c in secret)
        {
            if (c is < '!' or > '~')
            {
                throw new FormatException("the API token must be printable ASCII without spaces (it is sent in an HTTP header)");
            }
        }

        return new OperatorToken(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));
    }

    /// <summary>Reads the token from a file: its text without the trailing line break.</summary>
    public static OperatorToken ReadFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"the API token file {path} does not exist", path);
        }

        if (info.Length > MaxFileBytes)
        {
            throw new FormatException($"the API token file {path} is {info.Length} bytes: not a token (at most {MaxFileBytes})");
        }

        try
        {
            return FromSecret(File.ReadAllText(path).TrimEnd('\r', '\n', ' ', '\t'));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Whether <paramref name="presented"/> is the token; constant time.</summary>
    public bool Matches(ReadOnlySpan<char> presented)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        var buffer = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(presented.Length));
        try
        {
            var length = Encoding.UTF8.GetBytes(presented, buffer);
            SHA256.HashData(buffer.AsSpan(0, length), digest);
            CryptographicOperations.ZeroMemory(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return CryptographicOperations.FixedTimeEquals(digest, _digest);
    }

    /// <summary>Never the secret.</summary>
    public override string ToString() => "OperatorToken(redacted)";
}
