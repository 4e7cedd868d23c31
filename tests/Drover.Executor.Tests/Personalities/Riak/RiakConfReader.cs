namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>
/// Reads riak.conf as cuttlefish's conf parser does for the lines we write: blank lines and `#` comments are
/// skipped, every other line is `key = value` (whitespace around both trimmed), the last line of a key wins.
/// A line without '=' or with an empty key or value is an error, as cuttlefish rejects it.
/// </summary>
internal static class RiakConfReader
{
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"riak.conf line {number} is not 'key = value': {line}");
            }

            var key = line[..equals].Trim();
            var value = line[(equals + 1)..].Trim();
            if (key.Length == 0 || value.Length == 0 || key.Any(char.IsWhiteSpace))
            {
                throw new FormatException($"riak.conf line {number} has an empty or spaced key or an empty value: {line}");
            }

            values[key] = value;
        }

        return values;
    }
}
