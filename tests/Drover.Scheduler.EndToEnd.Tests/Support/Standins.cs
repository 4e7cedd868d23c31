using Drover.Testing.Standins;
using Drover.Testing.Standins.Cassandra;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>The service stand-ins of tests/Drover.Testing, installed for the agents of a local Mesos (one install directory serves every agent, as a shared install path does).</summary>
public static class Standins
{
    /// <summary>The fake Cassandra 4 install (FakeCassandra serving StorageService over real JMX, FakeNodetool), javac run through CliWrap (this test process reaps no children itself).</summary>
    public static Task<CassandraStandin> CassandraAsync() => CassandraStandin.PrepareAsync(StandinExamples.Run);
}
