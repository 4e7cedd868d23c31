using Drover.Posix;

namespace Drover.Executor.Personalities.Riak;

/// <summary>Runs one command to completion; <see cref="CommandRunner.RunAsync"/> in the executor.</summary>
public delegate Task<CommandResult> CommandRun(CommandRequest request, CancellationToken cancellation);

/// <summary>
/// Riak's cluster operations through its own admin command (riak-admin, or `riak admin` on Riak 3), run
/// with the node's environment so it finds riak.conf (RUNNER_ETC_DIR: nodename, cookie) and cEPMD
/// (ERL_EPMD_PORT). Joining is Riak's staged sequence: cluster-join, then cluster-plan (Riak refuses a commit
/// whose plan nobody looked at), then cluster-commit; ringready says whether all members agree on the ring.
/// </summary>
internal sealed class RiakAdmin(RiakSettings settings, IReadOnlyList<KeyValuePair<string, string>> environment, string workingDirectory, CommandRun run)
{
    public const string NodeArgument = "node";

    /// <summary>Output kept from one command: enough for a plan of a large cluster, bounded all the same.</summary>
    public const int MaxOutputBytes = 16 * 1024;

    private static readonly TimeSpan StagingTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(30);

    public const string WithArgument = "with";

    public IReadOnlyList<AdminOperation> Operations() =>
    [
        new("cluster-join", $"Stage joining this node to the cluster of argument '{NodeArgument}' (name@host of a member); then cluster-plan and cluster-commit.", StagingTimeout, JoinAsync),
        Fixed("cluster-plan", "Show the staged cluster changes; Riak commits only a plan that was shown.", QueryTimeout, "cluster", "plan"),
        Fixed("cluster-commit", "Commit the staged cluster changes.", StagingTimeout, "cluster", "commit"),
        Fixed("ringready", "Whether every member is up and agrees on the ring.", QueryTimeout, "ringready"),
        Fixed("cluster-leave", "Stage this node's leaving the cluster; after plan and commit it hands its partitions off, then stops.", StagingTimeout, "cluster", "leave"),
        new("cluster-force-remove", $"Stage removing the member of argument '{NodeArgument}' (name@host), which is down, without a handoff.", StagingTimeout,
            (arguments, cancellation) => Named(arguments, cancellation, [NodeArgument], names => ["cluster", "force-remove", names[0]])),
        new("cluster-force-replace", $"Stage replacing the member of argument '{NodeArgument}' (down) by argument '{WithArgument}' (a node that joined), which takes its partitions.", StagingTimeout,
            (arguments, cancellation) => Named(arguments, cancellation, [NodeArgument, WithArgument], names => ["cluster", "force-replace", names[0], names[1]])),
        Fixed("transfers", "The partition handoffs in progress (riak-admin transfers).", QueryTimeout, "transfers"),
    ];

    /// <summary>An operation whose arguments are node names (checked: each goes to riak-admin as one argv word).</summary>
    private Task<AdminResult> Named(IReadOnlyDictionary<string, string> arguments, CancellationToken cancellation, string[] names, Func<string[], string[]> command)
    {
        var values = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            if (!arguments.TryGetValue(names[i], out var value) || !IsNodeName(value))
            {
                return Task.FromResult(new AdminResult(false, $"argument '{names[i]}' must be a Riak node name (name@host){(value is null ? "" : $", not '{value}'")}"));
            }

            values[i] = value;
        }

        var rest = arguments.Where(kv => !names.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return RunAsync(rest, command(values), StagingTimeout, cancellation);
    }

    /// <summary>An operation without arguments: always the same command.</summary>
    private AdminOperation Fixed(string name, string description, TimeSpan timeout, params string[] command) =>
        new(name, description, timeout, (arguments, cancellation) => RunAsync(arguments, command, timeout, cancellation));

    private Task<AdminResult> JoinAsync(IReadOnlyDictionary<string, string> arguments, CancellationToken cancellation)
    {
        if (!arguments.TryGetValue(NodeArgument, out var node))
        {
            return Task.FromResult(new AdminResult(false, $"cluster-join needs the argument '{NodeArgument}': the name@host of a node already in the cluster"));
        }

        if (!IsNodeName(node))
        {
            return Task.FromResult(new AdminResult(false, $"cluster-join: '{node}' is not a Riak node name (name@host)"));
        }

        var rest = arguments.Where(kv => kv.Key != NodeArgument).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        return RunAsync(rest, ["cluster", "join", node], StagingTimeout, cancellation);
    }

    private async Task<AdminResult> RunAsync(IReadOnlyDictionary<string, string> unexpected, string[] command, TimeSpan timeout, CancellationToken cancellation)
    {
        var display = string.Join(' ', settings.AdminPrefix.Select(Path.GetFileName).Concat(command));
        if (unexpected.Count > 0)
        {
            return new AdminResult(false, $"{display}: unexpected argument(s) {string.Join(", ", unexpected.Keys.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))}");
        }

        CommandResult result;
        try
        {
            result = await run(new CommandRequest
            {
                Executable = settings.AdminPrefix[0],
                Arguments = [.. settings.AdminPrefix, .. command],
                Environment = environment,
                WorkingDirectory = workingDirectory,
                Timeout = timeout,
                MaxOutputBytes = MaxOutputBytes,
            }, cancellation).ConfigureAwait(false);
        }
        catch (PosixException e)
        {
            return new AdminResult(false, $"{display} could not be started: {e.Message}");
        }

        var output = result.Output.TrimEnd();

        // ringready answers FALSE with status 1, but older nodetools exited 0 whatever the answer.
        var ok = result.Succeeded && !output.StartsWith("FALSE", StringComparison.Ordinal);
        return ok
            ? new AdminResult(true, output)
            : new AdminResult(false, $"{display} {result.Describe()}: {(output.Length == 0 ? "(no output)" : output)}");
    }

    /// <summary>name@host with Erlang-safe characters: it is passed as one argv word, never through a shell.</summary>
    internal static bool IsNodeName(string text)
    {
        var at = text.IndexOf('@', StringComparison.Ordinal);
        return at > 0 && at < text.Length - 1 && text.Length <= 255
            && text[..at].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            && text[(at + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
    }
}
