using System.Globalization;
using System.Text.RegularExpressions;
using Drover.Metrics.Exposition;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Metrics.Tests;

public class GoFloatTests
{
    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(1.0, "1")]
    [InlineData(-1.0, "-1")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(0.5, "0.5")]
    [InlineData(0.1, "0.1")]
    [InlineData(0.005, "0.005")]
    [InlineData(2.5, "2.5")]
    [InlineData(100000.0, "100000")]
    [InlineData(999999.0, "999999")]
    [InlineData(999999.5, "999999.5")]
    [InlineData(1000000.0, "1e+06")]
    [InlineData(1234567.0, "1.234567e+06")]
    [InlineData(4857856.0, "4.857856e+06")]
    [InlineData(12345678.0, "1.2345678e+07")]
    [InlineData(123456.789, "123456.789")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.000123, "0.000123")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(0.0000123, "1.23e-05")]
    [InlineData(-0.000001, "-1e-06")]
    [InlineData(1.0 / 3.0, "0.3333333333333333")]
    [InlineData(1795266730.21, "1.79526673021e+09")]
    [InlineData(9007199254740992.0, "9.007199254740992e+15")]
    [InlineData(18446744073709551615.0, "1.8446744073709552e+19")]
    [InlineData(1e21, "1e+21")]
    [InlineData(1e100, "1e+100")]
    [InlineData(1.5e-300, "1.5e-300")]
    [InlineData(double.Epsilon, "5e-324")]
    [InlineData(double.MaxValue, "1.7976931348623157e+308")]
    [InlineData(-double.MaxValue, "-1.7976931348623157e+308")]
    public void Format_MatchesGoStrconvG(double value, string expected)
    {
        Assert.Equal(expected, GoFloat.Format(value));
    }

    [Fact]
    public void Format_NegativeZero_IsZeroAsInExpfmt()
    {
        Assert.Equal("0", GoFloat.Format(-0.0));
    }

    private static readonly Regex PlainOrExponent = new(
        @"^-?(?<plain>\d+(\.\d+)?)$|^-?(?<first>[1-9])(\.(?<rest>\d*[1-9]))?e(?<sign>[+-])(?<exp>\d{2,3})$", RegexOptions.CultureInvariant);

    /// <summary>
    /// For any finite double: the text parses back to the same double, no shorter digit string would,
    /// and the layout is Go's: exponent form exactly when the decimal exponent is below -4 or at least 6.
    /// </summary>
    [Fact]
    public void Format_AnyFiniteDouble_IsShortestRoundTripInGoLayout()
    {
        var bits = Gen.Choose(int.MinValue, int.MaxValue).Two()
            .Select(pair => BitConverter.Int64BitsToDouble(((long)pair.Item1 << 32) ^ (uint)pair.Item2))
            .Where(double.IsFinite);
        var nice = Gen.Choose(-400000, 400000).Select(n => n / 7.0 * Math.Pow(10, n % 25));
        var whole = Gen.Choose(int.MinValue, int.MaxValue).Two()
            .Select(pair => (double)((((long)pair.Item1 << 32) ^ (uint)pair.Item2) >> Math.Abs(pair.Item1 % 64)));
        var roundish = Gen.Choose(-99999, 99999).Zip(Gen.Choose(0, 22)).Select(p => p.Item1 * Math.Pow(10, p.Item2));
        var property = Prop.ForAll(Arb.From(Gen.OneOf(bits, nice, whole, roundish).Where(double.IsFinite)), value =>
        {
            var text = GoFloat.Format(value);
            var back = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            Assert.Equal(BitConverter.DoubleToInt64Bits(value == 0 ? 0 : value), BitConverter.DoubleToInt64Bits(back));
            if (value == 0)
            {
                return;
            }
            var match = PlainOrExponent.Match(text);
            Assert.True(match.Success, text);
            var digits = CountSignificantDigits(text);
            if (digits > 1)
            {
                var shorter = value.ToString("E" + (digits - 2), CultureInfo.InvariantCulture);
                Assert.NotEqual(value, double.Parse(shorter, CultureInfo.InvariantCulture));
            }
            var exponent = (int)Math.Floor(Math.Log10(Math.Abs(back)));
            // Log10 can be off by one right at powers of ten; the text itself decides then.
            if (match.Groups["exp"].Success)
            {
                var written = int.Parse(match.Groups["exp"].Value, CultureInfo.InvariantCulture) * (match.Groups["sign"].Value == "-" ? -1 : 1);
                Assert.True(written < -4 || written >= 6, text);
                Assert.InRange(exponent, written - 1, written + 1);
            }
            else
            {
                Assert.InRange(exponent, -5, 6);
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(20000), property);
    }

    [Fact]
    public void Format_NeverExceedsMaxLength()
    {
        Span<byte> buffer = stackalloc byte[GoFloat.MaxLength];
        foreach (var value in new[] { -double.MaxValue, -double.Epsilon, -2.2250738585072014e-308, -1.2345678901234567e-300, double.NaN })
        {
            Assert.InRange(GoFloat.Format(value, buffer), 1, GoFloat.MaxLength);
        }
    }

    private static int CountSignificantDigits(string text)
    {
        var mantissa = text.Split('e')[0].TrimStart('-').Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0');
        return Math.Max(mantissa.TrimEnd('0').Length, 1);
    }
}
