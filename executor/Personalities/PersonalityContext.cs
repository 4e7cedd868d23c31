using Drover.V1;

namespace Drover.Executor.Personalities;

/// <summary>Everything a personality may base its plan on; nothing else (no clock, no file system reads
/// except <see cref="NodeSpec.InstallDir"/> templates through <see cref="ReadInstallFile"/>).</summary>
/// <param name="Node">The node to run.</param>
/// <param name="Ports">Named ports from TaskInfo.discovery, already checked against the task's resources.</param>
/// <param name="Sandbox">The task's sandbox (MESOS_SANDBOX), absolute.</param>
/// <param name="ConfigDirectory">&lt;sandbox&gt;/drover: where rendered files go (kept for debugging).</param>
/// <param name="DataDirectory">
/// Where the service keeps its data: the persistent volume's path when the task has one (absolute),
/// else &lt;sandbox&gt;/data.
/// </param>
/// <param name="Host">The agent's hostname as Mesos reports it (the address peers reach this node at).</param>
/// <param name="TaskId">The Mesos task id.</param>
/// <param name="Environment">
/// The environment the service gets before the personality adds to it (agent environment minus secrets,
/// MESOS_*, HOST, PORT_*, NodeSpec.environment).
/// </param>
/// <param name="ReadInstallFile">
/// Reads a file of the installed service by absolute path (e.g. a stock cassandra-env.sh to adapt);
/// null when it does not exist. Tests pass a dictionary; the executor passes File.ReadAllText.
/// </param>
/// <param name="JmxHelperJar">
/// Absolute path of drover-jmx-helper.jar shipped beside the executor binary (or DROVER_JMX_HELPER);
/// null when it is missing, in which case JMX checks must fail the launch with a clear message.
/// </param>
/// <param name="Guard">The orphan watchdog that command checks put their process groups under; null in tests of plans.</param>
public sealed record PersonalityContext(
    NodeSpec Node,
    IReadOnlyDictionary<string, int> Ports,
    string Sandbox,
    string ConfigDirectory,
    string DataDirectory,
    string Host,
    string TaskId,
    IReadOnlyDictionary<string, string> Environment,
    Func<string, string?> ReadInstallFile,
    string? JmxHelperJar = null,
    Core.IOrphanGuard? Guard = null)
{
    /// <summary>The port named <paramref name="name"/>, or a launch error naming it and the ports there are.</summary>
    public int RequirePort(string name) => Ports.TryGetValue(name, out var port)
        ? port
        : throw new Tasks.LaunchException(
            $"a {Node.Kind} node needs a port named '{name}' in TaskInfo.discovery.ports, but the task has " +
            (Ports.Count == 0 ? "no named ports" : "only " + string.Join(", ", Ports.Keys.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))));

    /// <summary>The port named <paramref name="name"/> if the task has one.</summary>
    public int? OptionalPort(string name) => Ports.TryGetValue(name, out var port) ? port : null;

    /// <summary>NodeSpec.config[<paramref name="key"/>] or <paramref name="fallback"/>.</summary>
    public string Config(string key, string fallback) => Node.Config.TryGetValue(key, out var value) ? value : fallback;

    /// <summary>The service's install directory, required absolute.</summary>
    public string RequireInstallDir() => Node.InstallDir is { Length: > 0 } dir && Path.IsPathRooted(dir)
        ? dir
        : throw new Tasks.LaunchException($"NodeSpec.install_dir must be the absolute path where {Node.Kind} is installed on the agent (got '{Node.InstallDir}')");
}
