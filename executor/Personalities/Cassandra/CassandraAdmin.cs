using System.Text.RegularExpressions;
using Drover.Jmx;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Admin operations. repair, cleanup and decommission run the install's nodetool: they take minutes to hours,
/// nodetool follows their progress (repair's JMX notifications) and prints it, and its options track the
/// Cassandra version installed. drain goes through the JMX helper (one call that returns when the node is
/// drained; no JVM to start), or nodetool when the node has no helper.
/// </summary>
internal static partial class CassandraAdmin
{
    public static readonly TimeSpan RepairTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan CleanupTimeout = TimeSpan.FromHours(6);
    public static readonly TimeSpan DecommissionTimeout = TimeSpan.FromHours(12);

    public static IReadOnlyList<AdminOperation> Operations(CassandraNodetool nodetool, JmxHelper? helper, TimeSpan drainTimeout) =>
    [
        new("repair", "nodetool repair [-full] [-pr] [keyspace]: arguments keyspace (optional), full=true|false, primary_range=true|false (the scheduler's rounds repair each node's primary range)", RepairTimeout,
            (arguments, cancellation) => Nodetool(nodetool, () => ["repair", .. Full(arguments), .. PrimaryRange(arguments), .. Keyspace(arguments)], RepairTimeout, cancellation)),
        new("cleanup", "nodetool cleanup [keyspace]: drops data this node no longer owns; argument keyspace (optional)", CleanupTimeout,
            (arguments, cancellation) => Nodetool(nodetool, () => ["cleanup", .. Keyspace(arguments)], CleanupTimeout, cancellation)),
        new("decommission", "nodetool decommission: streams this node's data away and leaves the ring; argument force=true to go below RF", DecommissionTimeout,
            (arguments, cancellation) => Nodetool(nodetool, () => ["decommission", .. Force(arguments)], DecommissionTimeout, cancellation)),
        new("drain", "flushes memtables and stops accepting writes (StorageService.drain over JMX)", drainTimeout,
            (_, cancellation) => Drain(nodetool, helper, drainTimeout, cancellation)),
        new("removenode", "nodetool removenode <host_id>: removes a dead node from the ring, its ranges streamed from the replicas; argument host_id (a UUID)", RemoveNodeTimeout,
            (arguments, cancellation) => Nodetool(nodetool, () => ["removenode", HostIdArgument(arguments)], RemoveNodeTimeout, cancellation)),
        new("host-id", "this node's Host ID (StorageService LocalHostId over JMX, or nodetool info)", HostIdTimeout,
            (_, cancellation) => HostId(nodetool, helper, cancellation)),
    ];

    public static readonly TimeSpan RemoveNodeTimeout = TimeSpan.FromHours(12);
    public static readonly TimeSpan HostIdTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The node's Host ID: what the scheduler keeps so that it can removenode this node once it is gone for good.</summary>
    public static async Task<AdminResult> HostId(CassandraNodetool nodetool, JmxHelper? helper, CancellationToken cancellation)
    {
        if (helper is not null)
        {
            try
            {
                var values = await helper.ReadAsync(CassandraJmxProbe.StorageService, ["LocalHostId"], cancellation).ConfigureAwait(false);
                var id = values["LocalHostId"].Display();
                return Guid.TryParse(id, out _) ? new AdminResult(true, id) : new AdminResult(false, $"LocalHostId is '{id}', not a Host ID");
            }
            catch (JmxException e)
            {
                return new AdminResult(false, "reading LocalHostId over JMX failed: " + e.Message);
            }
        }

        var info = await nodetool.RunAsync(["info"], HostIdTimeout, cancellation).ConfigureAwait(false);
        if (!info.Succeeded)
        {
            return new AdminResult(false, $"nodetool info {info.Describe()}: {info.Output.Trim()}");
        }

        return NodetoolInfo.Parse(info.Output).TryGetValue("ID", out var fromInfo) && Guid.TryParse(fromInfo, out _)
            ? new AdminResult(true, fromInfo)
            : new AdminResult(false, "nodetool info printed no ID");
    }

    private static string HostIdArgument(IReadOnlyDictionary<string, string> arguments) =>
        arguments.TryGetValue("host_id", out var id) && Guid.TryParseExact(id, "D", out var parsed)
            ? parsed.ToString("D")
            : throw new ArgumentException($"removenode needs the argument host_id: the dead node's Host ID, a UUID (got '{(id is null ? "nothing" : id)}')");

    /// <summary>StorageService.drain through the helper, or nodetool drain.</summary>
    public static async Task<AdminResult> Drain(CassandraNodetool nodetool, JmxHelper? helper, TimeSpan timeout, CancellationToken cancellation)
    {
        if (helper is null)
        {
            return await Nodetool(nodetool, () => ["drain"], timeout, cancellation).ConfigureAwait(false);
        }

        try
        {
            await helper.InvokeAsync(CassandraJmxProbe.StorageService, "drain", [], [], cancellation).ConfigureAwait(false);
            var mode = await helper.ReadAsync(CassandraJmxProbe.StorageService, ["OperationMode"], cancellation).ConfigureAwait(false);
            return new AdminResult(true, "drained; OperationMode " + mode["OperationMode"].Display());
        }
        catch (JmxException e)
        {
            return new AdminResult(false, "drain over JMX failed: " + e.Message);
        }
    }

    /// <summary>Runs nodetool with the arguments <paramref name="build"/> makes; a bad request argument fails without running it.</summary>
    private static async Task<AdminResult> Nodetool(CassandraNodetool nodetool, Func<string[]> build, TimeSpan timeout, CancellationToken cancellation)
    {
        string[] arguments;
        try
        {
            arguments = build();
        }
        catch (ArgumentException e)
        {
            return new AdminResult(false, e.Message);
        }

        var result = await nodetool.RunAsync(arguments, timeout, cancellation).ConfigureAwait(false);
        var output = result.Output.Trim();
        return new AdminResult(result.Succeeded, result.Succeeded
            ? output
            : $"nodetool {string.Join(' ', arguments)} {result.Describe()}" + (output.Length > 0 ? ":\n" + output : ""));
    }

    private static string[] Keyspace(IReadOnlyDictionary<string, string> arguments)
    {
        if (!arguments.TryGetValue("keyspace", out var keyspace) || keyspace.Length == 0)
        {
            return [];
        }

        // A name only: nothing that nodetool could read as an option.
        return KeyspacePattern().IsMatch(keyspace)
            ? [keyspace]
            : throw new ArgumentException($"keyspace '{keyspace}' is not a Cassandra identifier (letters, digits, '_', at most 48)");
    }

    private static string[] Full(IReadOnlyDictionary<string, string> arguments) => Flag(arguments, "full") ? ["-full"] : [];

    private static string[] Force(IReadOnlyDictionary<string, string> arguments) => Flag(arguments, "force") ? ["--force"] : [];

    private static string[] PrimaryRange(IReadOnlyDictionary<string, string> arguments) => Flag(arguments, "primary_range") ? ["-pr"] : [];

    private static bool Flag(IReadOnlyDictionary<string, string> arguments, string name) =>
        !arguments.TryGetValue(name, out var value) ? false
        : value switch
        {
            "true" => true,
            "false" or "" => false,
            _ => throw new ArgumentException($"argument {name} = '{value}' is neither true nor false"),
        };

    [GeneratedRegex("^[A-Za-z0-9_]{1,48}$")]
    private static partial Regex KeyspacePattern();
}
