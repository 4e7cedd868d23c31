using System.Buffers.Text;
using System.Globalization;

namespace Drover.Metrics.Exposition;

/// <summary>
/// Formats a double exactly as Prometheus' Go libraries write sample values and <c>le</c> bounds
/// (expfmt <c>writeFloat</c>): <c>NaN</c>, <c>+Inf</c>, <c>-Inf</c>, zero as <c>0</c>, otherwise
/// <c>strconv.FormatFloat(f, 'g', -1, 64)</c>: the shortest digits that round-trip, in plain
/// notation when the decimal exponent is in [-4, 6), else as <c>d.ddde±XX</c> (so 1000000 is <c>1e+06</c>).
/// </summary>
/// <remarks>
/// .NET's "R" format already yields the shortest round-trip digits (IEEE-correct since .NET Core 3.0),
/// so only the layout differs from Go's: we take the digits and exponent from it and lay them out again.
/// </remarks>
public static class GoFloat
{
    /// <summary>Enough for any double: sign, 17 digits, point, 'e', sign, 3 exponent digits, with room to spare.</summary>
    public const int MaxLength = 32;

    /// <summary>Go's 'g' format switches to exponent form for decimal exponents >= this when the precision is "shortest".</summary>
    private const int ShortestExponentLimit = 6;

    /// <summary>2^53: below it, doubles include every integer.</summary>
    private const double ExactIntegerLimit = 9007199254740992;

    public static string Format(double value)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var length = Format(value, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..length]);
    }

    /// <summary>Writes <paramref name="value"/> into <paramref name="destination"/> (at least <see cref="MaxLength"/> bytes) and returns the length.</summary>
    public static int Format(double value, Span<byte> destination)
    {
        if (value == 0)
        {
            // Also -0: expfmt tests f == 0 first.
            destination[0] = (byte)'0';
            return 1;
        }
        if (double.IsNaN(value))
        {
            return Copy("NaN"u8, destination);
        }
        if (double.IsPositiveInfinity(value))
        {
            return Copy("+Inf"u8, destination);
        }
        if (double.IsNegativeInfinity(value))
        {
            return Copy("-Inf"u8, destination);
        }

        Span<byte> digits = stackalloc byte[20];
        if (Math.Abs(value) < ExactIntegerLimit && value == Math.Floor(value))
        {
            // Counters are mostly whole numbers. Below 2^53 every integer is exact and its neighbours are
            // at most 1 away, so its shortest round-trip digits are its own digits without trailing zeros.
            var magnitude = (ulong)Math.Abs(value);
            Utf8Formatter.TryFormat(magnitude, digits, out var integerDigits);
            var significant = integerDigits;
            while (digits[significant - 1] == (byte)'0')
            {
                significant--;
            }
            return Layout(value < 0, digits[..significant], integerDigits, destination);
        }

        Span<byte> shortest = stackalloc byte[MaxLength];
        if (!value.TryFormat(shortest, out var shortestLength, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("A double did not fit in 32 bytes in round-trip format.");
        }
        Decompose(shortest[..shortestLength], digits, out var negative, out var digitCount, out var pointPosition);
        return Layout(negative, digits[..digitCount], pointPosition, destination);
    }

    /// <summary>
    /// Splits .NET's "[-]ddd[.ddd][E±dd]" into significant digits (no leading or trailing zeros) and the
    /// position of the decimal point relative to the first digit (value = 0.d1d2… × 10^pointPosition).
    /// </summary>
    private static void Decompose(ReadOnlySpan<byte> text, Span<byte> digits, out bool negative, out int digitCount, out int pointPosition)
    {
        var i = 0;
        negative = text[0] == (byte)'-';
        if (negative)
        {
            i++;
        }
        digitCount = 0;
        var integerDigits = 0;
        var leadingZeros = 0;
        var inFraction = false;
        for (; i < text.Length && text[i] != (byte)'E'; i++)
        {
            var c = text[i];
            if (c == (byte)'.')
            {
                inFraction = true;
                continue;
            }
            if (!inFraction)
            {
                integerDigits++;
            }
            if (digitCount == 0 && c == (byte)'0')
            {
                leadingZeros++;
                continue;
            }
            digits[digitCount++] = c;
        }
        var exponent = 0;
        if (i < text.Length)
        {
            i++; // 'E'
            var negativeExponent = text[i] == (byte)'-';
            if (text[i] is (byte)'-' or (byte)'+')
            {
                i++;
            }
            for (; i < text.Length; i++)
            {
                exponent = (exponent * 10) + (text[i] - '0');
            }
            if (negativeExponent)
            {
                exponent = -exponent;
            }
        }
        while (digitCount > 0 && digits[digitCount - 1] == (byte)'0')
        {
            digitCount--;
        }
        pointPosition = integerDigits + exponent - leadingZeros;
    }

    /// <summary>Go's formatDigits for 'g' with shortest precision.</summary>
    private static int Layout(bool negative, ReadOnlySpan<byte> digits, int pointPosition, Span<byte> destination)
    {
        var n = 0;
        if (negative)
        {
            destination[n++] = (byte)'-';
        }
        var exponent = pointPosition - 1;
        if (exponent < -4 || exponent >= ShortestExponentLimit)
        {
            destination[n++] = digits[0];
            if (digits.Length > 1)
            {
                destination[n++] = (byte)'.';
                digits[1..].CopyTo(destination[n..]);
                n += digits.Length - 1;
            }
            destination[n++] = (byte)'e';
            destination[n++] = exponent < 0 ? (byte)'-' : (byte)'+';
            var magnitude = Math.Abs(exponent);
            if (magnitude >= 100)
            {
                destination[n++] = (byte)('0' + (magnitude / 100));
            }
            destination[n++] = (byte)('0' + (magnitude / 10 % 10));
            destination[n++] = (byte)('0' + (magnitude % 10));
            return n;
        }

        if (pointPosition > 0)
        {
            var whole = Math.Min(digits.Length, pointPosition);
            digits[..whole].CopyTo(destination[n..]);
            n += whole;
            for (var z = whole; z < pointPosition; z++)
            {
                destination[n++] = (byte)'0';
            }
        }
        else
        {
            destination[n++] = (byte)'0';
        }
        var fractionDigits = Math.Max(digits.Length - pointPosition, 0);
        if (fractionDigits > 0)
        {
            destination[n++] = (byte)'.';
            for (var f = 0; f < fractionDigits; f++)
            {
                var j = pointPosition + f;
                destination[n++] = j >= 0 && j < digits.Length ? digits[j] : (byte)'0';
            }
        }
        return n;
    }

    private static int Copy(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        text.CopyTo(destination);
        return text.Length;
    }
}
