using System.Globalization;

namespace Drover.Mesos;

/// <summary>
/// Mesos duration strings such as "15mins", "5secs", "250ms", "1.5secs": the format of the agent's
/// flags and of <c>MESOS_RECOVERY_TIMEOUT</c>, <c>MESOS_SUBSCRIPTION_BACKOFF_MAX</c> and
/// <c>MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD</c>. Mirrors stout's <c>Duration::parse</c> and
/// <c>operator&lt;&lt;</c> (3rdparty/stout/include/stout/duration.hpp):
/// <list type="bullet">
/// <item>A number made of ASCII digits with at most one '.', at least one digit ("1.", ".5" are
/// fine), immediately followed by exactly one unit: ns, us, ms, secs, mins, hrs, days, weeks.</item>
/// <item>No sign (stout: "TODO: Support negative durations"), no spaces, no exponent, units are
/// case-sensitive and have no singular forms ("1sec" is an unknown unit).</item>
/// <item>The value is truncated toward zero to whole nanoseconds, then to <see cref="TimeSpan"/>
/// ticks (100 ns). stout multiplies in double; we multiply exactly in decimal, so in rare cases the
/// results differ by one nanosecond.</item>
/// <item>Durations are limited to what stout holds: 2^63 - 1 ns (about 292 years), see <see cref="MaxValue"/>.</item>
/// </list>
/// </summary>
public static class MesosDuration
{
    private const long Nanosecond = 1;
    private const long Microsecond = 1000 * Nanosecond;
    private const long Millisecond = 1000 * Microsecond;
    private const long Second = 1000 * Millisecond;
    private const long Minute = 60 * Second;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;
    private const long Week = 7 * Day;
    private const long NanosecondsPerTick = 100;

    // stout prints with std::numeric_limits<double>::digits10 significant digits.
    private const int SignificantDigits = 15;

    private const string SupportedUnits = "supported units are 'ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', and 'weeks'";

    /// <summary>The longest duration stout can represent (2^63 - 1 ns), in whole ticks.</summary>
    public static readonly TimeSpan MaxValue = TimeSpan.FromTicks(long.MaxValue / NanosecondsPerTick);

    // Largest unit first: Format's fallback looks for the largest unit that divides exactly.
    private static readonly (string Name, long Nanos)[] Units =
    [
        ("weeks", Week), ("days", Day), ("hrs", Hour), ("mins", Minute),
        ("secs", Second), ("ms", Millisecond), ("us", Microsecond), ("ns", Nanosecond),
    ];

    /// <summary>Parses a Mesos duration string.</summary>
    /// <exception cref="FormatException">The text is not a Mesos duration; the message names it and says why.</exception>
    public static TimeSpan Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var value, out var error) ? value : throw new FormatException(error);
    }

    /// <summary>Parses a Mesos duration string; false (and <see cref="TimeSpan.Zero"/>) if it is not one.</summary>
    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <summary>Parses a Mesos duration string; on failure <paramref name="error"/> says why, naming the input.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = TimeSpan.Zero;
        if (!TryParseNanoseconds(text, out var nanoseconds, out error))
        {
            return false;
        }

        value = TimeSpan.FromTicks(nanoseconds / NanosecondsPerTick);
        return true;
    }

    /// <summary>Parses a Mesos duration string to whole nanoseconds, as stout holds it.</summary>
    public static bool TryParseNanoseconds(string? text, out long nanoseconds, out string? error)
    {
        nanoseconds = 0;
        if (text is null)
        {
            error = "Invalid Mesos duration: null";
            return false;
        }

        // Like stout: the number runs up to the first character that is neither a digit nor '.'.
        var end = 0;
        while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.'))
        {
            end++;
        }

        if (end == text.Length)
        {
            error = $"Invalid Mesos duration '{text}': no unit ({SupportedUnits})";
            return false;
        }

        var number = text[..end];
        if (!IsDecimalNumber(number))
        {
            error = $"Invalid Mesos duration '{text}': failed to convert '{number}' to a number";
            return false;
        }

        var unit = text[end..];
        var unitNanos = UnitNanoseconds(unit);
        if (unitNanos == 0)
        {
            error = $"Invalid Mesos duration '{text}': unknown duration unit '{unit}'; {SupportedUnits}";
            return false;
        }

        try
        {
            var value = decimal.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            var total = decimal.Truncate(value * unitNanos);
            if (total > long.MaxValue)
            {
                throw new OverflowException();
            }

            nanoseconds = (long)total;
        }
        catch (OverflowException)
        {
            error = $"Invalid Mesos duration '{text}': longer than the largest Mesos duration (2^63 - 1 ns, about 292 years)";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Formats like stout's <c>operator&lt;&lt;(ostream&amp;, Duration)</c>: the unit of the duration's
    /// magnitude, or the next smaller one when that gives a whole number ("90secs", "1500ms", "10days"),
    /// with up to 15 significant digits. Where stout's 15 digits would not read back as the same value,
    /// the whole number of the largest unit that divides the duration is written instead, so
    /// <c>Parse(Format(x)) == x</c> for every x from zero to <see cref="MaxValue"/>. Negative durations
    /// get a '-' prefix like stout prints, which <see cref="Parse"/> (like stout) rejects.
    /// </summary>
    public static string Format(TimeSpan value)
    {
        var nanoseconds = (Int128)value.Ticks * NanosecondsPerTick;
        var sign = nanoseconds < 0 ? "-" : "";
        var magnitude = Int128.Abs(nanoseconds);

        var text = StoutFormat(magnitude);
        if (nanoseconds >= 0 && nanoseconds <= long.MaxValue
            && (!TryParseNanoseconds(text, out var parsed, out _) || parsed != nanoseconds))
        {
            text = WholeNumberFormat(magnitude);
        }

        return sign + text;
    }

    /// <summary>stout's choice of unit for a non-negative duration.</summary>
    private static string StoutFormat(Int128 nanos)
    {
        if (nanos < Microsecond)
        {
            return Whole(nanos, "ns");
        }

        (var unit, var name, var smaller, var smallerName) = nanos switch
        {
            _ when nanos < Millisecond => (Microsecond, "us", Nanosecond, "ns"),
            _ when nanos < Second => (Millisecond, "ms", Microsecond, "us"),
            _ when nanos < Minute => (Second, "secs", Millisecond, "ms"),
            _ when nanos < Hour => (Minute, "mins", Second, "secs"),
            _ when nanos < Day => (Hour, "hrs", Minute, "mins"),
            _ when nanos < Week => (Day, "days", Hour, "hrs"),
            _ => (Week, "weeks", Day, "days"),
        };

        // "Reads better with a smaller unit": whole in the smaller unit but not in this one.
        if (nanos % unit != 0 && nanos % smaller == 0)
        {
            return Significant(nanos, smaller, smallerName);
        }

        return Significant(nanos, unit, name);
    }

    private static string WholeNumberFormat(Int128 nanos)
    {
        foreach ((var name, var unit) in Units)
        {
            if (nanos % unit == 0)
            {
                return Whole(nanos / unit, name);
            }
        }

        throw new InvalidOperationException("unreachable: every duration is a whole number of nanoseconds");
    }

    private static string Whole(Int128 count, string unit) => count.ToString(CultureInfo.InvariantCulture) + unit;

    /// <summary>nanos / unit rounded to 15 significant digits, without trailing zeros (C++ stream default float format).</summary>
    private static string Significant(Int128 nanos, long unit, string name)
    {
        var value = (decimal)nanos / unit;
        var integerDigits = decimal.Truncate(value).ToString(CultureInfo.InvariantCulture).Length;
        var rounded = Math.Round(value, Math.Max(0, SignificantDigits - integerDigits), MidpointRounding.ToEven);
        return rounded.ToString("0.############################", CultureInfo.InvariantCulture) + name;
    }

    private static bool IsDecimalNumber(string number)
    {
        var dots = 0;
        var digits = 0;
        foreach (var c in number)
        {
            if (c == '.')
            {
                dots++;
            }
            else
            {
                digits++;
            }
        }

        return dots <= 1 && digits >= 1;
    }

    private static long UnitNanoseconds(string unit)
    {
        foreach ((var name, var nanos) in Units)
        {
            if (string.Equals(name, unit, StringComparison.Ordinal))
            {
                return nanos;
            }
        }

        return 0;
    }
}
