using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Mesos.Tests.Resources;

public class ResourceSetTests
{
    private static readonly ReservationSpec Node1 = new("drover", "drover-principal", [new("drover.cluster", "ring"), new("drover.node", "n1")]);
    private static readonly ReservationSpec Node2 = new("drover", "drover-principal", [new("drover.cluster", "ring"), new("drover.node", "n2")]);

    private static Resource Cpus(double value) => MesosResources.Scalar(MesosResources.Cpus, value);

    private static Resource Mem(double value) => MesosResources.Scalar(MesosResources.Mem, value);

    private static Resource Disk(double value) => MesosResources.Scalar(MesosResources.Disk, value);

    private static Resource Ports(ulong begin, ulong end) => MesosResources.PortRanges(RangeSet.Of(new ValueRange(begin, end)));

    [Fact]
    public void SameIdentity_AddsUp_AndDifferentReservationsStayApart()
    {
        var set = ResourceSet.Of(Cpus(1), Cpus(0.5), Cpus(2).ReservedAs(Node1), Cpus(1).ReservedAs(Node2), Cpus(1).ReservedAs(Node1));

        Assert.Equal(5.5, set.Scalar(MesosResources.Cpus));
        Assert.Equal(3, set.Count());
        Assert.Equal(1.5, set.Where(r => !r.IsReserved()).Scalar(MesosResources.Cpus));
        Assert.Equal(3, set.Where(r => r.ReservationLabel("drover.node") == "n1").Scalar(MesosResources.Cpus));
    }

    [Fact]
    public void Scalars_AreFixedPointWithThreeDecimals()
    {
        var set = ResourceSet.Of(Cpus(0.1), Cpus(0.2));

        Assert.Equal(0.3, set.Scalar(MesosResources.Cpus));
        Assert.True(set.Contains(ResourceSet.Of(Cpus(0.3))));
        Assert.True(ResourceSet.Of(Cpus(0.3)).Minus(set).IsEmpty);
    }

    [Fact]
    public void Minus_TakesPortsOutOfTheRange_AndRefusesWhatIsNotThere()
    {
        var offer = ResourceSet.Of(Ports(31000, 32000), Mem(1024));

        var left = offer.Minus(ResourceSet.Of(Ports(31000, 31001), Mem(256)));

        Assert.Equal(RangeSet.Of(new ValueRange(31002, 32000)), left.Ranges(MesosResources.Ports));
        Assert.Equal(768, left.Scalar(MesosResources.Mem));
        var error = Assert.Throws<ResourceException>(() => left.Minus(ResourceSet.Of(Ports(31000, 31000))));
        Assert.Equal(ResourceErrorKind.NotContained, error.Kind);
    }

    [Fact]
    public void AllocationRole_IsPartOfTheIdentity()
    {
        var set = ResourceSet.Of(Cpus(1).AllocatedTo("drover"));

        Assert.False(set.Contains(ResourceSet.Of(Cpus(1))));
        Assert.True(set.Contains(ResourceSet.Of(Cpus(1).AllocatedTo("drover"))));
    }

    [Fact]
    public void PersistentVolumes_AreExclusive_TakenOnlyWhole()
    {
        var reserved = Disk(100).ReservedAs(Node1);
        var volume = Disk(64).ReservedAs(Node1).AsVolume("ring-n1", "drover-principal", "data");
        var set = ResourceSet.Of(reserved, volume, Disk(64).ReservedAs(Node1).AsVolume("ring-n1-b", "drover-principal", "data"));

        Assert.Equal(3, set.Count());
        Assert.True(set.Contains(ResourceSet.Of(volume)));
        Assert.False(set.Contains(ResourceSet.Of(Disk(32).ReservedAs(Node1).AsVolume("ring-n1", "drover-principal", "data"))));
        var rest = set.Minus(ResourceSet.Of(volume));
        Assert.Equal(2, rest.Count());
        Assert.Equal(164, rest.Scalar(MesosResources.Disk));
        Assert.True(rest.Where(r => r.IsPersistentVolume()).Single().Disk.Persistence.Id == "ring-n1-b");
    }

    [Fact]
    public void VolumeRoundTrip_CreateThenDestroy_GivesTheReservedDiskBack()
    {
        var disk = Disk(64).ReservedAs(Node1);
        var volume = disk.AsVolume("ring-n1", "p", "data");

        Assert.True(ResourceSet.Of(volume.WithoutVolume()).Contains(ResourceSet.Of(disk)));
        Assert.True(ResourceSet.Of(disk.WithoutTopReservation()).Contains(ResourceSet.Of(Disk(64))));
    }

    [Fact]
    public void BadResources_AreInvalidValues_NeverCrashes()
    {
        Resource[] bad =
        [
            new() { Name = "", Type = Value.Types.Type.Scalar, Scalar = new() { Value = 1 } },
            new() { Name = "cpus", Type = Value.Types.Type.Scalar },
            new() { Name = "cpus", Type = Value.Types.Type.Scalar, Scalar = new() { Value = -1 } },
            new() { Name = "cpus", Type = Value.Types.Type.Scalar, Scalar = new() { Value = double.NaN } },
            new() { Name = "cpus", Type = Value.Types.Type.Scalar, Scalar = new() { Value = double.PositiveInfinity } },
            new() { Name = "cpus", Type = Value.Types.Type.Scalar, Scalar = new() { Value = 1e300 } },
            new() { Name = "ports", Type = Value.Types.Type.Ranges },
            new() { Name = "ports", Type = Value.Types.Type.Ranges, Ranges = new() { Range = { new Value.Types.Range { Begin = 9, End = 3 } } } },
            new() { Name = "x", Type = Value.Types.Type.Text },
            new() { Name = "x", Type = Value.Types.Type.Set },
        ];

        Assert.All(bad, resource => Assert.Equal(ResourceErrorKind.InvalidValue, Assert.Throws<ResourceException>(() => ResourceSet.Of(resource)).Kind));
    }

    [Fact]
    public void ArbitraryProtoBytes_ParseToAValidSetOrAResourceException()
    {
        var bytes = Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>()).Select(b => b);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(bytes.ToArbitrary(), raw =>
        {
            Resource resource;
            try
            {
                resource = Resource.Parser.ParseFrom(raw);
            }
            catch (Google.Protobuf.InvalidProtocolBufferException)
            {
                return true;
            }

            try
            {
                var set = ResourceSet.Of(resource);
                return set.Plus(set).Contains(set) && set.Minus(set).IsEmpty;
            }
            catch (ResourceException)
            {
                return true;
            }
        }));
    }

    private static readonly Gen<Resource> ResourceGen =
        Gen.OneOf(
            Gen.Choose(0, 4000).Select(v => Cpus(v / 1000.0)),
            Gen.Choose(0, 4000).Select(v => Mem(v)),
            Gen.Choose(0, 4000).Select(v => Cpus(v / 1000.0).ReservedAs(Node1)),
            Gen.Choose(0, 100).SelectMany(b => Gen.Choose(0, 10).Select(l => Ports((ulong)b, (ulong)(b + l)))));

    private static readonly Gen<ResourceSet> SetGen = Gen.ListOf(ResourceGen).Select(ResourceSet.Of);

    // Scalars add like numbers, so taking b back out of a + b gives a exactly; ranges unite like sets, so
    // (a ∪ b) \ b may have lost ports a shared with b, but adding b again holds a.
    [Fact]
    public void PlusThenMinus_GivesBackWhatWasAdded()
    {
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), Prop.ForAll(SetGen.Zip(SetGen).ToArbitrary(), pair =>
        {
            var (a, b) = pair;
            var sum = a.Plus(b);
            var back = sum.Minus(b);
            var scalarsOnly = (ResourceSet s) => s.Where(r => r.Type == Value.Types.Type.Scalar);
            return sum.Contains(a) && sum.Contains(b) && back.Plus(b).Contains(a)
                && scalarsOnly(back).Contains(scalarsOnly(a)) && scalarsOnly(a).Contains(scalarsOnly(back))
                && Math.Abs(sum.Scalar(MesosResources.Cpus) - a.Scalar(MesosResources.Cpus) - b.Scalar(MesosResources.Cpus)) < 1e-9;
        }));
    }

    [Fact]
    public void ToString_ReadsLikeMesos()
    {
        var set = ResourceSet.Of(Cpus(1).ReservedAs(Node1), Mem(256), Ports(31000, 31005), Disk(64).ReservedAs(Node1).AsVolume("v1", null, "data"));

        Assert.Equal("cpus(drover):1; mem(*):256; ports(*):[31000-31005]; disk(drover)[v1:data]:64", set.ToString());
    }
}
