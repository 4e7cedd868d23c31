namespace Drover.Metrics;

/// <summary>A borrowed list of label values, used to find a series without allocating a key.</summary>
internal readonly ref struct LabelValuesSpan
{
    public LabelValuesSpan(ReadOnlySpan<string> values) => Values = values;

    public ReadOnlySpan<string> Values { get; }
}

/// <summary>Ordinal, element-wise equality of label value lists, for stored arrays and borrowed spans alike.</summary>
internal sealed class LabelValuesComparer : IEqualityComparer<string[]>, IAlternateEqualityComparer<LabelValuesSpan, string[]>
{
    public static readonly LabelValuesComparer Instance = new();

    public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && Same(x, y);

    public int GetHashCode(string[] obj) => Hash(obj);

    public bool Equals(LabelValuesSpan alternate, string[] other) => Same(alternate.Values, other);

    public int GetHashCode(LabelValuesSpan alternate) => Hash(alternate.Values);

    public string[] Create(LabelValuesSpan alternate) => alternate.Values.ToArray();

    /// <summary>Lexicographic ordinal order: series of a family are written in this order.</summary>
    public static int Compare(string[] x, string[] y)
    {
        for (var i = 0; i < x.Length && i < y.Length; i++)
        {
            var c = string.CompareOrdinal(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }
        return x.Length.CompareTo(y.Length);
    }

    private static bool Same(ReadOnlySpan<string> x, ReadOnlySpan<string> y)
    {
        if (x.Length != y.Length)
        {
            return false;
        }
        for (var i = 0; i < x.Length; i++)
        {
            if (!string.Equals(x[i], y[i], StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    private static int Hash(ReadOnlySpan<string> values)
    {
        var hash = new HashCode();
        foreach (var value in values)
        {
            hash.Add(value, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }
}
