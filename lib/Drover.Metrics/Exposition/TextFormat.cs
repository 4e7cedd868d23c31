using System.Buffers;
using System.Text;

namespace Drover.Metrics.Exposition;

/// <summary>
/// Constants and escaping rules of the Prometheus text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/): in HELP text a backslash
/// becomes <c>\\</c> and a line feed <c>\n</c>; label values additionally escape the double quote as <c>\"</c>.
/// </summary>
public static class TextFormat
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    internal static readonly SearchValues<char> HelpSpecials = SearchValues.Create("\\\n");
    internal static readonly SearchValues<char> LabelValueSpecials = SearchValues.Create("\\\n\"");

    /// <summary>Escapes a HELP docstring.</summary>
    public static string EscapeHelp(string help) => Escape(help, HelpSpecials);

    /// <summary>Escapes a label value (the text between the quotes).</summary>
    public static string EscapeLabelValue(string value) => Escape(value, LabelValueSpecials);

    private static string Escape(string text, SearchValues<char> specials)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny(specials) < 0)
        {
            return text;
        }
        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '"' when specials == LabelValueSpecials: builder.Append("\\\""); break;
                default: builder.Append(c); break;
            }
        }
        return builder.ToString();
    }

    /// <summary>The two comment lines of a family, UTF-8, computed once when the family is created.</summary>
    internal static byte[] EncodeHeader(string name, string help, MetricType type)
    {
        var typeName = type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            MetricType.Histogram => "histogram",
            _ => "untyped",
        };
        return Encoding.UTF8.GetBytes($"# HELP {name} {EscapeHelp(help)}\n# TYPE {name} {typeName}\n");
    }

    /// <summary>The inside of a series' braces, <c>a="x",b="y"</c>, escaped and UTF-8; empty without labels.</summary>
    internal static byte[] EncodeLabelPairs(string[] names, ReadOnlySpan<string> values)
    {
        if (names.Length == 0)
        {
            return [];
        }
        var builder = new StringBuilder();
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0)
            {
                builder.Append(',');
            }
            builder.Append(names[i]).Append("=\"").Append(EscapeLabelValue(values[i])).Append('"');
        }
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
