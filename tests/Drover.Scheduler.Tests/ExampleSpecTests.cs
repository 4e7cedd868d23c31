using Drover.Scheduler.Model;
using Drover.Testing;

namespace Drover.Scheduler.Tests;

/// <summary>
/// The specs of packaging/examples (the README's runnable examples) are read as the scheduler reads a PUT: parsed by
/// <see cref="ClusterSpecJson"/> (unknown fields and wrong types refused) and checked by <see cref="ClusterSpecValidator"/>.
/// </summary>
public class ExampleSpecTests
{
    private static ClusterSpec Example(string file)
    {
        var spec = ClusterSpecJson.Parse(File.ReadAllText(RepositoryFiles.PathOf(Path.Combine("packaging", "examples", file))));
        var errors = ClusterSpecValidator.Validate(spec);
        Assert.True(errors.Count == 0, $"{file}: {string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
        return spec;
    }

    [Fact]
    public void EveryExample_IsReadAndAcceptedAsTheSchedulerReadsAPut()
    {
        var files = Directory.GetFiles(RepositoryFiles.PathOf(Path.Combine("packaging", "examples")), "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(["drill.json", "quobyte.json", "riak.json", "ring.json", "web.json"], files);
        Assert.All(files, f => Example(f!));
    }

    [Fact]
    public void Web_IsTheDemosThreeNodeGenericCluster()
    {
        var spec = Example("web.json");

        Assert.Equal((ClusterKind.Generic, 3), (spec.Kind, spec.Count));
        Assert.True(spec.ExpectsHealth());
    }

    [Fact]
    public void Ring_IsFiveCassandraNodesWithThreeSeeds()
    {
        var spec = Example("ring.json");

        Assert.Equal((ClusterKind.Cassandra, 5, 3), (spec.Kind, spec.Count, spec.Cassandra!.Seeds));
        Assert.Equal(ServiceKinds.RequiredPorts(ClusterKind.Cassandra), spec.Ports.Select(p => p.Name));
        Assert.StartsWith("/", spec.Service.InstallDir, StringComparison.Ordinal);
        Assert.True(spec.Cassandra.Repair.Enabled);
    }

    [Fact]
    public void Riak_LoadsTheEpmdModuleSoEveryNodeHasItsOwnEpmdPort()
    {
        var spec = Example("riak.json");

        Assert.Equal((ClusterKind.Riak, 3), (spec.Kind, spec.Count));
        Assert.True(ServiceKinds.UsesEpmdModule(spec));
        Assert.Empty(ServiceKinds.FixedPorts(spec));
        Assert.Equal(ServiceKinds.RequiredPorts(ClusterKind.Riak), spec.Ports.Select(p => p.Name));
    }

    [Fact]
    public void Drill_SizesOnDemandBetweenItsBounds()
    {
        var spec = Example("drill.json");

        Assert.Equal(ClusterKind.Drill, spec.Kind);
        Assert.Equal((100.0, 1, 8), (spec.Drill!.QsfMb, spec.Drill.MinDrillbits, spec.Drill.MaxDrillbits));
        Assert.Equal(ServiceKinds.RequiredPorts(ClusterKind.Drill), spec.Ports.Select(p => p.Name));
    }

    [Fact]
    public void Quobyte_RunsNothingUntilAVersionIsPostedThenAcceptsIt()
    {
        var spec = Example("quobyte.json");

        Assert.Equal(ClusterKind.Quobyte, spec.Kind);
        Assert.Null(spec.Count);
        Assert.Equal("", spec.Version);
        Assert.Equal(3, spec.Quobyte!.Nodes.Count(n => n.Services.Contains(QuobyteRole.Registry)));
        // What `curl -X POST --data "1.1.5" http://<scheduler>/v1/version` makes of it.
        Assert.Empty(ClusterSpecValidator.Validate(spec with { Version = "1.1.5" }));
    }
}
