using System.Collections;
using System.Globalization;
using System.Text;

namespace Drover.Mesos.Resources;

/// <summary>One inclusive range of a <c>RANGES</c> resource, such as ports 31000-31005.</summary>
public readonly record struct ValueRange(ulong Begin, ulong End)
{
    /// <summary>How many values the range holds (at least 1: Begin &lt;= End is an invariant of <see cref="RangeSet"/>).</summary>
    public ulong Count => End - Begin + 1;

    public override string ToString() => Begin == End ? Begin.ToString(CultureInfo.InvariantCulture) : $"{Begin}-{End}";
}

/// <summary>
/// The value of a <c>RANGES</c> resource as Mesos keeps it: sorted, disjoint, non-adjacent inclusive ranges
/// ("31000-31002,31004" rather than "31002-31000,31000-31001,31004"). Immutable; every operation returns a
/// coalesced set, so two sets with the same values are equal whatever ranges built them.
/// </summary>
public sealed class RangeSet : IEquatable<RangeSet>, IEnumerable<ValueRange>
{
    private readonly ValueRange[] _ranges;

    private RangeSet(ValueRange[] coalesced) => _ranges = coalesced;

    public static RangeSet Empty { get; } = new([]);

    public int RangeCount => _ranges.Length;

    public bool IsEmpty => _ranges.Length == 0;

    /// <summary>How many values the set holds.</summary>
    public ulong Count
    {
        get
        {
            ulong total = 0;
            foreach (var range in _ranges)
            {
                total += range.Count;
            }

            return total;
        }
    }

    /// <summary>Builds a set from ranges in any order, overlapping or adjacent; a range whose begin is past its end is refused.</summary>
    public static RangeSet Of(IEnumerable<ValueRange> ranges)
    {
        var list = new List<ValueRange>();
        foreach (var range in ranges)
        {
            if (range.Begin > range.End)
            {
                throw new ResourceException(ResourceErrorKind.InvalidValue, $"range {range.Begin}-{range.End} begins after it ends");
            }

            list.Add(range);
        }

        return new RangeSet(Coalesce(list));
    }

    public static RangeSet Of(params ValueRange[] ranges) => Of((IEnumerable<ValueRange>)ranges);

    public static RangeSet Single(ulong value) => new([new ValueRange(value, value)]);

    public static RangeSet FromProto(Mesos.V1.Value.Types.Ranges? ranges) =>
        ranges is null ? Empty : Of(ranges.Range.Select(r => new ValueRange(r.Begin, r.End)));

    public Mesos.V1.Value.Types.Ranges ToProto()
    {
        var proto = new Mesos.V1.Value.Types.Ranges();
        foreach (var range in _ranges)
        {
            proto.Range.Add(new Mesos.V1.Value.Types.Range { Begin = range.Begin, End = range.End });
        }

        return proto;
    }

    public bool Contains(ulong value) => IndexOf(value) >= 0;

    /// <summary>True when every value of <paramref name="other"/> is in this set.</summary>
    public bool Contains(RangeSet other)
    {
        foreach (var range in other._ranges)
        {
            var index = IndexOf(range.Begin);
            if (index < 0 || _ranges[index].End < range.End)
            {
                return false;
            }
        }

        return true;
    }

    public RangeSet Union(RangeSet other)
    {
        if (other.IsEmpty)
        {
            return this;
        }

        return IsEmpty ? other : new RangeSet(Coalesce([.. _ranges, .. other._ranges]));
    }

    /// <summary>The values of this set that are not in <paramref name="other"/> (values only in other are ignored).</summary>
    public RangeSet Subtract(RangeSet other)
    {
        if (other.IsEmpty || IsEmpty)
        {
            return this;
        }

        var result = new List<ValueRange>();
        var j = 0;
        foreach (var range in _ranges)
        {
            var begin = range.Begin;
            var end = range.End;
            var emptied = false;
            while (j < other._ranges.Length && other._ranges[j].End < begin)
            {
                j++;
            }

            for (var k = j; k < other._ranges.Length && other._ranges[k].Begin <= end; k++)
            {
                var cut = other._ranges[k];
                if (cut.Begin > begin)
                {
                    result.Add(new ValueRange(begin, cut.Begin - 1));
                }

                if (cut.End >= end)
                {
                    emptied = true;
                    break;
                }

                begin = cut.End + 1;
            }

            if (!emptied)
            {
                result.Add(new ValueRange(begin, end));
            }
        }

        return new RangeSet([.. result]);
    }

    /// <summary>The lowest <paramref name="count"/> values of the set, or null when it holds fewer.</summary>
    public RangeSet? TakeLowest(ulong count)
    {
        if (count == 0)
        {
            return Empty;
        }

        var taken = new List<ValueRange>();
        var wanted = count;
        foreach (var range in _ranges)
        {
            if (range.Count >= wanted)
            {
                taken.Add(new ValueRange(range.Begin, range.Begin + wanted - 1));
                return new RangeSet([.. taken]);
            }

            taken.Add(range);
            wanted -= range.Count;
        }

        return null;
    }

    /// <summary>Every value in ascending order (for ports: a few hundred at most in practice).</summary>
    public IEnumerable<ulong> Values()
    {
        foreach (var range in _ranges)
        {
            for (var value = range.Begin; ; value++)
            {
                yield return value;
                if (value == range.End)
                {
                    break;
                }
            }
        }
    }

    public bool Equals(RangeSet? other) => other is not null && _ranges.AsSpan().SequenceEqual(other._ranges);

    public override bool Equals(object? obj) => obj is RangeSet other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var range in _ranges)
        {
            hash.Add(range);
        }

        return hash.ToHashCode();
    }

    public IEnumerator<ValueRange> GetEnumerator() => ((IEnumerable<ValueRange>)_ranges).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Mesos' text form: <c>[31000-31002, 31004-31004]</c>.</summary>
    public override string ToString()
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < _ranges.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(_ranges[i].Begin).Append('-').Append(_ranges[i].End);
        }

        return text.Append(']').ToString();
    }

    /// <summary>Index of the range holding <paramref name="value"/>, or -1.</summary>
    private int IndexOf(ulong value)
    {
        int low = 0, high = _ranges.Length - 1;
        while (low <= high)
        {
            var mid = (low + high) >>> 1;
            if (_ranges[mid].End < value)
            {
                low = mid + 1;
            }
            else if (_ranges[mid].Begin > value)
            {
                high = mid - 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    private static ValueRange[] Coalesce(List<ValueRange> ranges)
    {
        if (ranges.Count <= 1)
        {
            return [.. ranges];
        }

        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        var result = new List<ValueRange>(ranges.Count) { ranges[0] };
        for (var i = 1; i < ranges.Count; i++)
        {
            var last = result[^1];
            var next = ranges[i];
            // Adjacent ranges merge too (30-31 and 32-33 are 30-33); End == ulong.MaxValue cannot be followed.
            if (last.End == ulong.MaxValue || next.Begin <= last.End + 1)
            {
                result[^1] = last with { End = Math.Max(last.End, next.End) };
            }
            else
            {
                result.Add(next);
            }
        }

        return [.. result];
    }
}
