using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests;

public class MesosDurationTests
{
    [Theory]
    [InlineData("15mins", 15 * 60 * 1000.0)]
    [InlineData("5secs", 5000.0)]
    [InlineData("2secs", 2000.0)]
    [InlineData("250ms", 250.0)]
    [InlineData("1.5secs", 1500.0)]
    [InlineData(".5secs", 500.0)]
    [InlineData("1.secs", 1000.0)]
    [InlineData("007secs", 7000.0)]
    [InlineData("1mins", 60_000.0)]
    [InlineData("3hrs", 3 * 3_600_000.0)]
    [InlineData("2days", 2 * 86_400_000.0)]
    [InlineData("1weeks", 7 * 86_400_000.0)]
    [InlineData("0ns", 0.0)]
    [InlineData("0.05us", 0.0)]
    public void Parse_ValidStrings_AsStoutReadsThem(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), MesosDuration.Parse(text));
    }

    [Fact]
    public void Parse_SubTickValues_TruncateToWholeTicks()
    {
        Assert.Equal(TimeSpan.FromTicks(12), MesosDuration.Parse("1234ns"));
        Assert.Equal(TimeSpan.FromTicks(15), MesosDuration.Parse("1.5us"));
        Assert.True(MesosDuration.TryParseNanoseconds("1234ns", out var nanos, out _));
        Assert.Equal(1234, nanos);
    }

    [Theory]
    [InlineData("", "no unit")]
    [InlineData("5", "no unit")]
    [InlineData("1.5", "no unit")]
    [InlineData("secs", "failed to convert '' to a number")]
    [InlineData("-5secs", "failed to convert '' to a number")]
    [InlineData("+5secs", "failed to convert '' to a number")]
    [InlineData(" 5secs", "failed to convert '' to a number")]
    [InlineData(".secs", "failed to convert '.' to a number")]
    [InlineData("1.2.3secs", "failed to convert '1.2.3' to a number")]
    [InlineData("5 secs", "unknown duration unit ' secs'")]
    [InlineData("5secs ", "unknown duration unit 'secs '")]
    [InlineData("5sec", "unknown duration unit 'sec'")]
    [InlineData("5SECS", "unknown duration unit 'SECS'")]
    [InlineData("5s", "unknown duration unit 's'")]
    [InlineData("1e3secs", "unknown duration unit 'e3secs'")]
    [InlineData("5secs5", "unknown duration unit 'secs5'")]
    [InlineData("16000weeks", "longer than the largest Mesos duration")]
    [InlineData("99999999999999999999999999999999weeks", "longer than the largest Mesos duration")]
    public void Parse_InvalidStrings_ThrowFormatExceptionNamingTheInput(string text, string reason)
    {
        var e = Assert.Throws<FormatException>(() => MesosDuration.Parse(text));

        Assert.Contains($"'{text}'", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.False(MesosDuration.TryParse(text, out var value));
        Assert.Equal(TimeSpan.Zero, value);
    }

    [Fact]
    public void Parse_LargestStoutDuration_IsAccepted()
    {
        Assert.True(MesosDuration.TryParseNanoseconds("9223372036854775807ns", out var nanos, out _));
        Assert.Equal(long.MaxValue, nanos);
        Assert.False(MesosDuration.TryParseNanoseconds("9223372036854775808ns", out _, out _));
        Assert.Equal(MesosDuration.MaxValue, MesosDuration.Parse("9223372036854775807ns"));
    }

    [Fact]
    public void TryParse_Null_IsFalse()
    {
        Assert.False(MesosDuration.TryParse(null, out _));
    }

    [Theory]
    [InlineData(15 * 60 * 1000.0, "15mins")]
    [InlineData(5000.0, "5secs")]
    [InlineData(2000.0, "2secs")]
    [InlineData(250.0, "250ms")]
    [InlineData(1500.0, "1500ms")]
    [InlineData(90_000.0, "90secs")]
    [InlineData(90 * 60_000.0, "90mins")]
    [InlineData(36 * 3_600_000.0, "36hrs")]
    [InlineData(10 * 86_400_000.0, "10days")]
    [InlineData(7 * 86_400_000.0, "1weeks")]
    [InlineData(14 * 86_400_000.0, "2weeks")]
    [InlineData(0.0, "0ns")]
    [InlineData(2.5, "2500us")]
    [InlineData(-5000.0, "-5secs")]
    public void Format_PrintsLikeStout(double milliseconds, string expected)
    {
        Assert.Equal(expected, MesosDuration.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void Format_FractionsLikeStout()
    {
        // 1234500 ns is whole in neither ms nor us, so stout prints ms with a fraction.
        Assert.Equal("100ns", MesosDuration.Format(TimeSpan.FromTicks(1)));
        Assert.Equal("1.2345ms", MesosDuration.Format(TimeSpan.FromTicks(12_345)));
        Assert.Equal("1.5weeks", MesosDuration.Format(TimeSpan.FromDays(10.5)));
    }

    [Fact]
    public void Format_WhereFifteenDigitsLoseTheValue_FallsBackToAWholeNumber()
    {
        // One week and 100 ns: stout would print 1.00000000000017weeks, which reads back differently.
        var value = TimeSpan.FromDays(7) + TimeSpan.FromTicks(1);

        Assert.Equal("604800000000100ns", MesosDuration.Format(value));
        Assert.Equal(value, MesosDuration.Parse(MesosDuration.Format(value)));
    }

    [Fact]
    public void FormatThenParse_AnyDurationUpToMax_RoundTrips()
    {
        var ticks = Gen.Frequency(
            (3, ArbMap.Default.GeneratorFor<long>().Select(t => Math.Abs(t % (MesosDuration.MaxValue.Ticks + 1)))),
            (3, Gen.Choose(0, int.MaxValue).Select(t => (long)t)),
            (2, Gen.Choose(0, 100_000).SelectMany(n => Gen.Elements(10_000L, 10_000_000L, 600_000_000L, 864_000_000_000L).Select(u => n * u))));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(ticks.ToArbitrary(), t =>
        {
            var value = TimeSpan.FromTicks(t);
            var text = MesosDuration.Format(value);
            return (MesosDuration.Parse(text) == value).Label($"{t} ticks formatted as {text}");
        }));
    }

    [Fact]
    public void Parse_RandomText_EitherParsesOrThrowsFormatExceptionNamingIt()
    {
        var chars = Gen.Frequency(
            (5, Gen.Choose('0', '9').Select(c => (char)c)),
            (2, Gen.Constant('.')),
            (3, Gen.Elements("nsumecihrdayswk -+eE".ToCharArray())),
            (1, ArbMap.Default.GeneratorFor<char>()));
        var text = Gen.ArrayOf(chars).Select(cs => new string(cs));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(text.ToArbitrary(), s =>
        {
            try
            {
                var value = MesosDuration.Parse(s);
                return value >= TimeSpan.Zero && MesosDuration.TryParse(s, out var again) && again == value;
            }
            catch (FormatException e)
            {
                return e.Message.Contains($"'{s}'", StringComparison.Ordinal) && !MesosDuration.TryParse(s, out _);
            }
        }));
    }
}
