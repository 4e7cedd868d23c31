using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Drover.Jmx;

public enum JmxValueKind
{
    Null,
    Boolean,
    Number,
    String,

    /// <summary>A Java array, collection or TabularData (rows as objects).</summary>
    Array,

    /// <summary>CompositeData or a map.</summary>
    Object,
}

/// <summary>
/// One value read from or sent to an MBean, as the helper carries it in JSON. Numbers keep their JSON text, so
/// a long keeps all its digits; the accessors convert and throw <see cref="InvalidOperationException"/> naming
/// the actual kind when the value is something else.
/// </summary>
public sealed class JmxValue : IEquatable<JmxValue>
{
    private readonly string? _text;
    private readonly IReadOnlyList<JmxValue>? _items;
    private readonly IReadOnlyDictionary<string, JmxValue>? _properties;
    private readonly bool _boolean;

    private JmxValue(JmxValueKind kind, string? text = null, bool boolean = false, IReadOnlyList<JmxValue>? items = null, IReadOnlyDictionary<string, JmxValue>? properties = null)
    {
        Kind = kind;
        _text = text;
        _boolean = boolean;
        _items = items;
        _properties = properties;
    }

    public static JmxValue Null { get; } = new(JmxValueKind.Null);

    public static JmxValue True { get; } = new(JmxValueKind.Boolean, boolean: true);

    public static JmxValue False { get; } = new(JmxValueKind.Boolean, boolean: false);

    public JmxValueKind Kind { get; }

    public bool IsNull => Kind == JmxValueKind.Null;

    public static JmxValue From(string? value) => value is null ? Null : new(JmxValueKind.String, value);

    public static JmxValue From(bool value) => value ? True : False;

    public static JmxValue From(long value) => new(JmxValueKind.Number, value.ToString(CultureInfo.InvariantCulture));

    public static JmxValue From(double value) => double.IsFinite(value)
        ? new(JmxValueKind.Number, value.ToString("R", CultureInfo.InvariantCulture))
        : throw new ArgumentOutOfRangeException(nameof(value), value, "JSON has no NaN or infinity");

    public static JmxValue Array(IEnumerable<JmxValue> items) => new(JmxValueKind.Array, items: [.. items]);

    public static JmxValue Array(params string[] items) => Array(items.Select(From));

    public static JmxValue Object(IEnumerable<KeyValuePair<string, JmxValue>> properties)
    {
        var map = new Dictionary<string, JmxValue>(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            map[key] = value;
        }

        return new(JmxValueKind.Object, properties: map);
    }

    /// <summary>A number from its JSON text (already validated by the reader).</summary>
    internal static JmxValue FromNumberText(string text) => new(JmxValueKind.Number, text);

    public string AsString() => Kind == JmxValueKind.String ? _text! : throw WrongKind("a string");

    public bool AsBoolean() => Kind == JmxValueKind.Boolean ? _boolean : throw WrongKind("a boolean");

    public long AsInt64() => Kind == JmxValueKind.Number && long.TryParse(_text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
        ? value
        : throw WrongKind("an integer");

    public double AsDouble() => Kind == JmxValueKind.Number
        ? double.Parse(_text!, NumberStyles.Float, CultureInfo.InvariantCulture)
        : throw WrongKind("a number");

    public IReadOnlyList<JmxValue> Items => Kind == JmxValueKind.Array ? _items! : throw WrongKind("an array");

    public IReadOnlyDictionary<string, JmxValue> Properties => Kind == JmxValueKind.Object ? _properties! : throw WrongKind("an object");

    /// <summary>Writes this value as JSON.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Kind)
        {
            case JmxValueKind.Null:
                writer.WriteNullValue();
                break;
            case JmxValueKind.Boolean:
                writer.WriteBooleanValue(_boolean);
                break;
            case JmxValueKind.Number:
                writer.WriteRawValue(_text!, skipInputValidation: false);
                break;
            case JmxValueKind.String:
                writer.WriteStringValue(_text);
                break;
            case JmxValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in _items!)
                {
                    item.WriteTo(writer);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStartObject();
                foreach (var (key, value) in _properties!)
                {
                    writer.WritePropertyName(key);
                    value.WriteTo(writer);
                }

                writer.WriteEndObject();
                break;
        }
    }

    /// <summary>JSON text: strings quoted, as the helper sent it.</summary>
    public override string ToString()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>A string value as is, anything else as JSON: what a health detail shows.</summary>
    public string Display() => Kind == JmxValueKind.String ? _text! : ToString();

    public bool Equals(JmxValue? other) => other is not null && Kind == other.Kind && Kind switch
    {
        JmxValueKind.Null => true,
        JmxValueKind.Boolean => _boolean == other._boolean,
        JmxValueKind.Number or JmxValueKind.String => string.Equals(_text, other._text, StringComparison.Ordinal),
        JmxValueKind.Array => _items!.SequenceEqual(other._items!),
        _ => _properties!.Count == other._properties!.Count
            && _properties.All(pair => other._properties.TryGetValue(pair.Key, out var value) && pair.Value.Equals(value)),
    };

    public override bool Equals(object? obj) => Equals(obj as JmxValue);

    public override int GetHashCode() => HashCode.Combine(Kind, _text, _boolean, _items?.Count ?? 0, _properties?.Count ?? 0);

    private InvalidOperationException WrongKind(string wanted) =>
        new($"the JMX value {Truncate(ToString())} is {Kind.ToString().ToLowerInvariant()}, not {wanted}");

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
