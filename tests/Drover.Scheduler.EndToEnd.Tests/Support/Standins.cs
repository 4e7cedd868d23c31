using Drover.Testing.Programs;
using Drover.Testing.Standins.Cassandra;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>The service stand-ins of tests/Drover.Testing, installed for the agents of a local Mesos (one install directory serves every agent, as a shared install path does).</summary>
public static class Standins
{
    /// <summary>This test process reaps no children itself: CliWrap (System.Diagnostics.Process) may run javac and the build scripts.</summary>
    private static readonly RunTool Run = async (executable, arguments, workingDirectory, timeout) =>
    {
        var result = await ExternalProgram.RunAsync(CliWrap.Cli.Wrap(executable).WithArguments(arguments.Skip(1)).WithWorkingDirectory(workingDirectory), timeout);
        return new ToolResult(result.ExitCode, result.Output);
    };

    /// <summary>The fake Cassandra 4 install (FakeCassandra serving StorageService over real JMX, FakeNodetool).</summary>
    public static Task<CassandraStandin> CassandraAsync() => CassandraStandin.PrepareAsync(Run);

    /// <summary>JAVA_HOME of the machine's java (agents give executors none): what a spec's service.java_home names.</summary>
    public static string JavaHome()
    {
        var java = File.ResolveLinkTarget("/usr/bin/java", returnFinalTarget: true)?.FullName ?? "/usr/bin/java";
        return Path.GetDirectoryName(Path.GetDirectoryName(java))!;
    }
}
