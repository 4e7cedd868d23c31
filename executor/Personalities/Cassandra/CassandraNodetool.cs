using Drover.Posix;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Runs the install's own bin/nodetool against the node's JMX port (-h 127.0.0.1: Cassandra's local JMX listens
/// on loopback only), in the service's environment (CASSANDRA_CONF, JAVA_HOME), through CommandRunner: its own
/// process group, bounded output, killed at the timeout. Never System.Diagnostics.Process (the executor reaps
/// every child with waitpid(-1)).
/// </summary>
internal sealed class CassandraNodetool(
    string nodetool,
    int jmxPort,
    IReadOnlyList<KeyValuePair<string, string>> environment,
    string workingDirectory,
    Func<CommandRequest, CancellationToken, Task<CommandResult>> run)
{
    /// <summary>Output kept from one command: the end of a long repair log is the useful part.</summary>
    public const int MaxOutputBytes = 64 * 1024;

    public string Path => nodetool;

    public Task<CommandResult> RunAsync(IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellation) =>
        run(new CommandRequest
        {
            Executable = nodetool,
            Arguments = ["nodetool", "-h", "127.0.0.1", "-p", CassandraSettings.Invariant(jmxPort), .. arguments],
            Environment = environment,
            WorkingDirectory = workingDirectory,
            Timeout = timeout,
            MaxOutputBytes = MaxOutputBytes,
        }, cancellation);
}
