using System.Globalization;
using System.Text;

namespace Drover.Metrics.Tests;

/// <summary>One sample line read back from the text format.</summary>
internal sealed record ParsedSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value)
{
    public string? Label(string name)
    {
        foreach (var pair in Labels)
        {
            if (pair.Key == name)
            {
                return pair.Value;
            }
        }
        return null;
    }
}

/// <summary>
/// A small, strict reader of the text format written independently of the library, so round trips
/// check the writer against the spec rather than against itself. Throws FormatException on anything off.
/// </summary>
internal static class ExpositionParser
{
    public static List<ParsedSample> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("The last line must end with a line feed.");
        }
        var samples = new List<ParsedSample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            samples.Add(ParseLine(line));
        }
        return samples;
    }

    /// <summary>The HELP text of each family, unescaped.</summary>
    public static Dictionary<string, string> Help(string text)
    {
        var help = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line["# HELP ".Length..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                help.Add(rest[..space], Unescape(rest[(space + 1)..], quotes: false));
            }
        }
        return help;
    }

    public static ParsedSample ParseLine(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }
        var name = line[..i];
        var labels = new List<KeyValuePair<string, string>>();
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                var labelName = line[i..eq];
                if (line[eq + 1] != '"')
                {
                    throw new FormatException($"Label value not quoted in: {line}");
                }
                var value = new StringBuilder();
                var j = eq + 2;
                while (line[j] != '"')
                {
                    if (line[j] == '\\')
                    {
                        value.Append(line[j + 1] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"Unknown escape \\{line[j + 1]} in: {line}"),
                        });
                        j += 2;
                    }
                    else
                    {
                        value.Append(line[j++]);
                    }
                }
                labels.Add(new(labelName, value.ToString()));
                i = j + 1;
                if (line[i] == ',')
                {
                    i++;
                }
            }
            i++;
        }
        if (line[i] != ' ')
        {
            throw new FormatException($"No space before the value in: {line}");
        }
        return new ParsedSample(name, labels, ParseValue(line[(i + 1)..]));
    }

    public static double ParseValue(string text) => text switch
    {
        "NaN" => double.NaN,
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string Unescape(string text, bool quotes)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length && (text[i + 1] is '\\' or 'n' || (quotes && text[i + 1] == '"')))
            {
                result.Append(text[i + 1] == 'n' ? '\n' : text[i + 1]);
                i++;
            }
            else
            {
                result.Append(text[i]);
            }
        }
        return result.ToString();
    }
}
