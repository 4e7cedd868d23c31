using Drover.Mesos.Resources;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests.Resources;

public class RangeSetTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(500);

    // Small values so ranges overlap and touch often.
    private static readonly Gen<ValueRange> RangeGen =
        Gen.Choose(0, 60).SelectMany(begin => Gen.Choose(0, 8).Select(length => new ValueRange((ulong)begin, (ulong)(begin + length))));

    private static readonly Gen<RangeSet> SetGen = Gen.ListOf(RangeGen).Select(RangeSet.Of);

    private static HashSet<ulong> Values(RangeSet set) => set.Values().ToHashSet();

    [Fact]
    public void Of_CoalescesOverlappingAndAdjacentRanges()
    {
        var set = RangeSet.Of(new(31004, 31004), new(31000, 31001), new(31002, 31002), new(31001, 31001));

        Assert.Equal([new ValueRange(31000, 31002), new ValueRange(31004, 31004)], set.ToArray());
        Assert.Equal(4UL, set.Count);
        Assert.Equal("[31000-31002, 31004-31004]", set.ToString());
    }

    [Fact]
    public void Of_ReversedRange_IsAnInvalidValue()
    {
        var error = Assert.Throws<ResourceException>(() => RangeSet.Of(new ValueRange(5, 4)));
        Assert.Equal(ResourceErrorKind.InvalidValue, error.Kind);
    }

    [Fact]
    public void Union_AtTheTopOfTheValueSpace_DoesNotOverflow()
    {
        var set = RangeSet.Of(new(ulong.MaxValue - 1, ulong.MaxValue), new(0, 0), new(ulong.MaxValue, ulong.MaxValue));

        Assert.Equal([new ValueRange(0, 0), new ValueRange(ulong.MaxValue - 1, ulong.MaxValue)], set.ToArray());
    }

    [Fact]
    public void TakeLowest_TakesAcrossRanges_OrSaysThereAreTooFew()
    {
        var set = RangeSet.Of(new(10, 11), new(20, 25));

        Assert.Equal(RangeSet.Of(new(10, 11), new(20, 21)), set.TakeLowest(4));
        Assert.Equal(RangeSet.Empty, set.TakeLowest(0));
        Assert.Null(set.TakeLowest(9));
    }

    [Fact]
    public void Operations_AgreeWithSetsOfValues()
    {
        Check.One(Quick, Prop.ForAll(SetGen.Zip(SetGen).ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var va = Values(a);
            var vb = Values(b);
            var union = Values(a.Union(b));
            var difference = Values(a.Subtract(b));
            return union.SetEquals(va.Union(vb))
                && difference.SetEquals(va.Except(vb))
                && a.Contains(b) == vb.IsSubsetOf(va)
                && a.Union(b).Equals(b.Union(a))
                && a.Subtract(b).Union(b).Contains(a)
                && (ulong)va.Count == a.Count;
        }));
    }

    [Fact]
    public void Normalised_NoTwoRangesTouch()
    {
        Check.One(Quick, Prop.ForAll(SetGen.Zip(SetGen).ToArbitrary(), pair =>
        {
            var ranges = pair.Item1.Subtract(pair.Item2).Union(pair.Item2).ToArray();
            return ranges.Zip(ranges.Skip(1)).All(p => p.First.End + 1 < p.Second.Begin && p.First.Begin <= p.First.End);
        }));
    }
}
