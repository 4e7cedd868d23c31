using System.Globalization;
using System.Text;

namespace Drover.Registry.Epmd;

/// <summary>
/// The znode name of an Erlang node name under a cluster's epmd/. A name ZooKeeper accepts as one path
/// segment is used as it is (<c>riak</c> → <c>riak</c>); every character it refuses (NUL, controls,
/// '/', surrogates and private-use characters...) and '%' itself are percent-encoded as their UTF-8
/// bytes, and "", "." and ".." are spelled "%", "%2E" and "%2E%2E". The mapping is one-to-one, so two
/// Erlang names never share a znode; the record's "name" field keeps the exact name.
/// </summary>
public static class EpmdZnodeName
{
    public static string Of(string erlangName)
    {
        ArgumentNullException.ThrowIfNull(erlangName);
        switch (erlangName)
        {
            case "":
                return "%";
            case ".":
                return "%2E";
            case "..":
                return "%2E%2E";
        }
        if (!NeedsEncoding(erlangName))
        {
            return erlangName;
        }
        var encoded = new StringBuilder(erlangName.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < erlangName.Length;)
        {
            if (Rune.DecodeFromUtf16(erlangName.AsSpan(i), out var rune, out var used) != System.Buffers.OperationStatus.Done)
            {
                throw new ArgumentException($"The Erlang node name is not valid UTF-16 at index {i}.", nameof(erlangName));
            }
            if (IsSafe(rune))
            {
                encoded.Append(erlangName, i, used);
            }
            else
            {
                var length = rune.EncodeToUtf8(utf8);
                foreach (var b in utf8[..length])
                {
                    encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
            i += used;
        }
        return encoded.ToString();
    }

    private static bool NeedsEncoding(string name)
    {
        foreach (var c in name)
        {
            if (!IsSafe(c))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsSafe(Rune rune) => rune.IsBmp && IsSafe((char)rune.Value);

    // ZooKeeper's PathUtils.validatePath refuses these characters in a path (ZooKeeperPath does the same).
    private static bool IsSafe(char c) =>
        c is not ('%' or '/' or (<= '\u001f') or (>= '\u007f' and <= '\u009f') or (>= '\ud800' and <= '\uf8ff') or >= '\ufff0');
}
