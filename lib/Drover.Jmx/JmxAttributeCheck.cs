using System.Globalization;

namespace Drover.Jmx;

/// <summary>How an attribute is compared with the expected text (NodeSpec's JmxPredicate.Operator).</summary>
public enum JmxComparison
{
    /// <summary>The value's text equals the expected text ("NORMAL", "true", "42"); numbers compare as numbers.</summary>
    Equals,

    NotEquals,

    /// <summary>Numeric: the attribute (a number, or a string holding one) is greater than the expected number.</summary>
    GreaterThan,

    LessThan,
}

/// <summary>One predicate on one attribute. Built with <see cref="Create"/>, which checks the expected value.</summary>
public sealed record JmxCondition
{
    private JmxCondition(string attribute, JmxComparison comparison, string expected, double? number)
    {
        Attribute = attribute;
        Comparison = comparison;
        Expected = expected;
        ExpectedNumber = number;
    }

    public string Attribute { get; }

    public JmxComparison Comparison { get; }

    public string Expected { get; }

    private double? ExpectedNumber { get; }

    /// <summary>A condition; <see cref="ArgumentException"/> naming the problem for an empty attribute or a non-numeric bound.</summary>
    public static JmxCondition Create(string attribute, JmxComparison comparison, string expected)
    {
        ArgumentException.ThrowIfNullOrEmpty(attribute);
        ArgumentNullException.ThrowIfNull(expected);
        var number = TryNumber(expected);
        if (comparison is JmxComparison.GreaterThan or JmxComparison.LessThan && number is null)
        {
            throw new ArgumentException($"JMX predicate on {attribute}: '{expected}' is not a number, which {comparison} needs", nameof(expected));
        }

        return new JmxCondition(attribute, comparison, expected, number);
    }

    /// <summary>Null when <paramref name="value"/> satisfies the condition, else what is wrong ("OperationMode is JOINING, want NORMAL").</summary>
    public string? Check(JmxValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = Text(value);
        var number = value.Kind == JmxValueKind.Number ? value.AsDouble() : value.Kind == JmxValueKind.String ? TryNumber(text) : null;
        var holds = Comparison switch
        {
            JmxComparison.Equals => Same(text, number),
            JmxComparison.NotEquals => !Same(text, number),
            JmxComparison.GreaterThan => number > ExpectedNumber,
            _ => number < ExpectedNumber,
        };
        if (holds)
        {
            return null;
        }

        var want = Comparison switch
        {
            JmxComparison.Equals => Expected,
            JmxComparison.NotEquals => "not " + Expected,
            JmxComparison.GreaterThan => "> " + Expected,
            _ => "< " + Expected,
        };
        return $"{Attribute} is {value.Display()}, want {want}";
    }

    private bool Same(string text, double? number) =>
        number is double a && ExpectedNumber is double b ? a.Equals(b) : string.Equals(text, Expected, StringComparison.Ordinal);

    private static string Text(JmxValue value) => value.Kind switch
    {
        JmxValueKind.String => value.AsString(),
        JmxValueKind.Boolean => value.AsBoolean() ? "true" : "false",
        JmxValueKind.Null => "null",
        _ => value.ToString(),
    };

    private static double? TryNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) && double.IsFinite(number) ? number : null;
}

/// <summary>
/// A JMX health check by attribute predicates: one read of every attribute the conditions name, healthy when
/// all hold. The executor wraps it in its IHealthProbe; the detail names each condition that failed.
/// </summary>
public sealed class JmxAttributeCheck
{
    private readonly string[] _attributes;

    public JmxAttributeCheck(string mbean, IReadOnlyList<JmxCondition> conditions)
    {
        ArgumentException.ThrowIfNullOrEmpty(mbean);
        ArgumentNullException.ThrowIfNull(conditions);
        ArgumentOutOfRangeException.ThrowIfZero(conditions.Count);
        MBean = mbean;
        Conditions = conditions;
        _attributes = [.. conditions.Select(c => c.Attribute).Distinct(StringComparer.Ordinal)];
    }

    public string MBean { get; }

    public IReadOnlyList<JmxCondition> Conditions { get; }

    /// <summary>Reads and judges; JMX failures (no reply, refused, no such attribute) are unhealthy with their message.</summary>
    public async Task<(bool Healthy, string Detail)> RunAsync(JmxHelper helper, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(helper);
        IReadOnlyDictionary<string, JmxValue> values;
        try
        {
            values = await helper.ReadAsync(MBean, _attributes, cancellation).ConfigureAwait(false);
        }
        catch (JmxException e)
        {
            return (false, "JMX: " + e.Message);
        }

        return Judge(values);
    }

    /// <summary>The verdict over values already read.</summary>
    public (bool Healthy, string Detail) Judge(IReadOnlyDictionary<string, JmxValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var problems = Conditions
            .Select(c => c.Check(values.TryGetValue(c.Attribute, out var value) ? value : JmxValue.Null))
            .OfType<string>()
            .ToList();
        return problems.Count == 0
            ? (true, string.Join(", ", Conditions.Select(c => $"{c.Attribute} {Symbol(c.Comparison)} {c.Expected}")))
            : (false, string.Join("; ", problems));
    }

    private static string Symbol(JmxComparison comparison) => comparison switch
    {
        JmxComparison.Equals => "=",
        JmxComparison.NotEquals => "!=",
        JmxComparison.GreaterThan => ">",
        _ => "<",
    };
}
