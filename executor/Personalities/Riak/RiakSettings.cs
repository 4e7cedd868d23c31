using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// What a Riak node's plan is made of, read from the <see cref="PersonalityContext"/> and checked: every
/// problem is a <see cref="LaunchException"/> naming the port, key or value.
/// </summary>
internal sealed record RiakSettings
{
    /// <summary>The named ports a Riak node needs in TaskInfo.discovery.ports.</summary>
    public static readonly IReadOnlyList<string> RequiredPorts = [HttpPortName, PbPortName, HandoffPortName, DisterlPortName, EpmdPortName];

    public const string HttpPortName = "http";
    public const string PbPortName = "pb";
    public const string HandoffPortName = "handoff";
    public const string DisterlPortName = "disterl";
    public const string EpmdPortName = "epmd";

    public const string CookieKey = "cookie";
    public const string RingSizeKey = "ring_size";
    public const string StorageBackendKey = "storage_backend";
    public const string ListenAddressKey = "listen_address";
    public const string AdminCommandKey = "admin_command";
    public const string OtpReleaseKey = "otp_release";

    /// <summary>The first OTP release whose nodes resolve peers through an EPMD module's address_please/3.</summary>
    public const int EpmdModuleOtpRelease = 21;

    /// <summary>The EPMD module shipped beside drover-executor (packaging/erlang/drover_epmd.erl, compiled when packaging).</summary>
    public const string EpmdModule = "drover_epmd";

    /// <summary>Where drover_epmd.beam is when it is not beside the executor binary (tests, odd layouts).</summary>
    public const string EpmdModuleDirectoryVariable = "DROVER_EPMD_MODULE_DIR";

    /// <summary>NodeSpec.config keys with this prefix become riak.conf lines: `riak.conf.search = on` → `search = on`.</summary>
    public const string ConfPrefix = "riak.conf.";

    /// <summary>riak_core.schema's default; the schema's validators want a power of 2 from 8 to 1024.</summary>
    public const int DefaultRingSize = 64;
    public const int MinRingSize = 8;
    public const int MaxRingSize = 1024;

    public const string DefaultStorageBackend = "bitcask";

    /// <summary>riak_kv.schema's storage_backend enum (leveled since Riak 2.9).</summary>
    public static readonly IReadOnlyList<string> StorageBackends = ["bitcask", "leveldb", "leveled", "memory", "multi"];

    /// <summary>
    /// Listeners bind every interface by default: peers and clients reach the node at the agent's host name,
    /// health checks at 127.0.0.1, and cuttlefish's <c>ip</c> datatype wants an address, not a host name.
    /// </summary>
    public const string DefaultListenAddress = "0.0.0.0";

    public const string RiakAdminCommand = "riak-admin";
    public const string RiakAdminSubcommand = "riak admin";

    /// <summary>The riak.conf keys Drover sets itself; NodeSpec.config cannot override them through <see cref="ConfPrefix"/>.</summary>
    public static readonly IReadOnlyDictionary<string, string> ManagedKeys = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["nodename"] = "NodeSpec.node and the agent's host",
        ["distributed_cookie"] = $"NodeSpec.config['{CookieKey}']",
        ["ring_size"] = $"NodeSpec.config['{RingSizeKey}']",
        ["storage_backend"] = $"NodeSpec.config['{StorageBackendKey}']",
        ["platform_data_dir"] = "the task's data directory",
        ["platform_log_dir"] = "the sandbox's logs directory",
        ["listener.http.internal"] = $"the '{HttpPortName}' port and NodeSpec.config['{ListenAddressKey}']",
        ["listener.protobuf.internal"] = $"the '{PbPortName}' port and NodeSpec.config['{ListenAddressKey}']",
        ["handoff.ip"] = $"NodeSpec.config['{ListenAddressKey}']",
        ["handoff.port"] = $"the '{HandoffPortName}' port",
        ["erlang.distribution.port_range.minimum"] = $"the '{DisterlPortName}' port",
        ["erlang.distribution.port_range.maximum"] = $"the '{DisterlPortName}' port",
    };

    public required string InstallDirectory { get; init; }

    /// <summary>name@host: NodeSpec.node (unique in the cluster; cEPMD refuses a short name taken anywhere in it) at the agent's host.</summary>
    public required string NodeName { get; init; }

    /// <summary>The Erlang distribution cookie: a secret, never logged, never on a command line we build.</summary>
    public required string Cookie { get; init; }

    public required int RingSize { get; init; }

    public required string StorageBackend { get; init; }

    public required string ListenAddress { get; init; }

    public required int HttpPort { get; init; }

    public required int PbPort { get; init; }

    public required int HandoffPort { get; init; }

    public required int DisterlPort { get; init; }

    public required int EpmdPort { get; init; }

    /// <summary>&lt;config&gt;/riak: riak.conf, as RUNNER_ETC_DIR.</summary>
    public required string EtcDirectory { get; init; }

    /// <summary>&lt;config&gt;/riak/generated: where cuttlefish writes app.config/vm.args (RUNNER_GEN_DIR), per node, not in the shared install.</summary>
    public required string GeneratedDirectory { get; init; }

    public required string LogDirectory { get; init; }

    public required string DataDirectory { get; init; }

    /// <summary>The admin command's argv prefix: ["&lt;install&gt;/bin/riak-admin"] or ["&lt;install&gt;/bin/riak", "admin"] (Riak 3).</summary>
    public required IReadOnlyList<string> AdminPrefix { get; init; }

    /// <summary>Extra riak.conf lines from NodeSpec.config (<see cref="ConfPrefix"/>), in key order.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Overrides { get; init; }

    /// <summary>
    /// The directory of drover_epmd.beam when the node loads Drover's EPMD module (NodeSpec.config otp_release 21 or
    /// later), null otherwise: then the node resolves peers as stock Erlang does, at its own ERL_EPMD_PORT on their host.
    /// </summary>
    public string? EpmdModuleDirectory { get; init; }

    public static RiakSettings From(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var install = context.RequireInstallDir().TrimEnd('/');
        var etc = Path.Combine(context.ConfigDirectory, "riak");
        return new RiakSettings
        {
            InstallDirectory = install,
            NodeName = ReadNodeName(context),
            Cookie = ReadCookie(context),
            RingSize = ReadRingSize(context),
            StorageBackend = StorageBackendOf(context),
            ListenAddress = ReadListenAddress(context),
            HttpPort = context.RequirePort(HttpPortName),
            PbPort = context.RequirePort(PbPortName),
            HandoffPort = context.RequirePort(HandoffPortName),
            DisterlPort = context.RequirePort(DisterlPortName),
            EpmdPort = context.RequirePort(EpmdPortName),
            EtcDirectory = etc,
            GeneratedDirectory = Path.Combine(etc, "generated"),
            LogDirectory = Path.Combine(context.Sandbox, "logs"),
            DataDirectory = context.DataDirectory,
            AdminPrefix = ReadAdminPrefix(context, install),
            Overrides = ReadOverrides(context),
            EpmdModuleDirectory = ReadEpmdModule(context),
        };
    }

    /// <summary>
    /// From OTP 21 an Erlang node can load an EPMD module that answers address_please/3 with the peer's port: ours
    /// asks the node's own cEPMD, which knows the whole cluster, so peers are reached whatever their epmd port. The
    /// module ships beside drover-executor (or DROVER_EPMD_MODULE_DIR); it is read through ReadInstallFile only to
    /// know that it is there.
    /// </summary>
    private static string? ReadEpmdModule(PersonalityContext context)
    {
        if (!context.Node.Config.TryGetValue(OtpReleaseKey, out var text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var release) || release is < 16 or > 99)
        {
            throw new LaunchException($"NodeSpec.config['{OtpReleaseKey}'] = '{text}' is not an OTP release (16..99: the major release the installed Riak runs on)");
        }

        if (release < EpmdModuleOtpRelease)
        {
            return null;
        }

        var directory = (context.Environment.TryGetValue(EpmdModuleDirectoryVariable, out var configured) && configured.Length > 0
            ? configured
            : AppContext.BaseDirectory).TrimEnd('/');
        if (!Path.IsPathRooted(directory) || directory.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new LaunchException($"the EPMD module's directory '{directory}' must be an absolute path without spaces (it goes into ERL_FLAGS)");
        }

        return context.ReadInstallFile($"{directory}/{EpmdModule}.beam") is null
            ? throw new LaunchException($"{EpmdModule}.beam is missing from {directory} (packaging/publish-executor.sh ships it beside drover-executor; {EpmdModuleDirectoryVariable} points elsewhere): an OTP {release} node needs it to reach peers on other cEPMD ports")
            : directory;
    }

    /// <summary>
    /// The cookie when NodeSpec.config has none: "drover_" and 32 hex digits of SHA-256 over the cluster name.
    /// Every node of a cluster gets the same one and clusters get different ones, so two clusters on one agent
    /// do not talk to each other by accident. It is not a secret (anyone who knows the cluster name can compute
    /// it): a cluster that must keep strangers out of Erlang distribution sets its own `cookie`.
    /// </summary>
    public static string DefaultCookie(string cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("drover riak cookie\0" + cluster));
        return "drover_" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static string ReadNodeName(PersonalityContext context)
    {
        var node = context.Node.Node;
        if (node.Length == 0 || !node.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
        {
            throw new LaunchException($"NodeSpec.node '{node}' cannot name a Riak node: use letters, digits, '_' and '-' (it becomes the part before '@' of nodename)");
        }

        var host = context.Host;
        if (host.Length == 0 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c == '@'))
        {
            throw new LaunchException($"the agent's host name '{host}' cannot be the host part of a Riak nodename");
        }

        var name = node + "@" + host;
        return name.Length <= 255
            ? name
            : throw new LaunchException($"Riak nodename '{name}' is longer than Erlang's 255 characters");
    }

    private static string ReadCookie(PersonalityContext context)
    {
        if (!context.Node.Config.TryGetValue(CookieKey, out var cookie))
        {
            return DefaultCookie(context.Node.Cluster);
        }

        // The value itself stays out of the message: it is a secret.
        return cookie.Length is > 0 and <= 255 && cookie.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '+' or '@')
            ? cookie
            : throw new LaunchException($"NodeSpec.config['{CookieKey}'] must be 1 to 255 letters, digits or '_-.+@' (it is a riak.conf value and an Erlang atom; {cookie.Length} characters given)");
    }

    private static int ReadRingSize(PersonalityContext context)
    {
        var text = context.Config(RingSizeKey, DefaultRingSize.ToString(CultureInfo.InvariantCulture));
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            throw new LaunchException($"NodeSpec.config['{RingSizeKey}'] = '{text}' is not a number; Riak's ring_size is a power of 2 from {MinRingSize} to {MaxRingSize}");
        }

        return size is >= MinRingSize and <= MaxRingSize && (size & (size - 1)) == 0
            ? size
            : throw new LaunchException($"NodeSpec.config['{RingSizeKey}'] = {size} is not a power of 2 from {MinRingSize} to {MaxRingSize}, as Riak's ring_size must be");
    }

    private static string StorageBackendOf(PersonalityContext context)
    {
        var backend = context.Config(StorageBackendKey, DefaultStorageBackend);
        return StorageBackends.Contains(backend, StringComparer.Ordinal)
            ? backend
            : throw new LaunchException($"NodeSpec.config['{StorageBackendKey}'] = '{backend}' is not one of Riak's storage backends ({string.Join(", ", StorageBackends)})");
    }

    private static string ReadListenAddress(PersonalityContext context)
    {
        var text = context.Config(ListenAddressKey, DefaultListenAddress);
        return IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetwork && address.ToString() == text
            ? text
            : throw new LaunchException($"NodeSpec.config['{ListenAddressKey}'] = '{text}' is not an IPv4 address (the address Riak's HTTP, protocol buffers and handoff listeners bind)");
    }

    /// <summary>
    /// riak-admin (Riak 2) when the install has bin/riak-admin, else `riak admin` (Riak 3 folded it into bin/riak);
    /// NodeSpec.config['admin_command'] says which when the file test is not wanted.
    /// </summary>
    private static IReadOnlyList<string> ReadAdminPrefix(PersonalityContext context, string install)
    {
        var riakAdmin = install + "/bin/riak-admin";
        var choice = context.Node.Config.TryGetValue(AdminCommandKey, out var configured)
            ? configured
            : context.ReadInstallFile(riakAdmin) is null ? RiakAdminSubcommand : RiakAdminCommand;
        return choice switch
        {
            RiakAdminCommand => [riakAdmin],
            RiakAdminSubcommand => [install + "/bin/riak", "admin"],
            _ => throw new LaunchException($"NodeSpec.config['{AdminCommandKey}'] = '{choice}' is neither '{RiakAdminCommand}' nor '{RiakAdminSubcommand}'"),
        };
    }

    private static List<KeyValuePair<string, string>> ReadOverrides(PersonalityContext context)
    {
        var lines = new List<KeyValuePair<string, string>>();
        foreach (var (configKey, value) in context.Node.Config.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!configKey.StartsWith(ConfPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var key = configKey[ConfPrefix.Length..];
            if (key.Length == 0 || !key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' or '$'))
            {
                throw new LaunchException($"NodeSpec.config['{configKey}'] does not name a riak.conf key (letters, digits and '_.-$')");
            }

            if (ManagedKeys.TryGetValue(key, out var source))
            {
                throw new LaunchException($"NodeSpec.config['{configKey}'] cannot be set: Drover sets riak.conf's {key} from {source}");
            }

            // One line, and no '#': cuttlefish would read the rest of the line as a comment.
            var trimmed = value.Trim();
            if (trimmed.Length == 0 || trimmed.Any(c => char.IsControl(c) || c == '#'))
            {
                throw new LaunchException($"NodeSpec.config['{configKey}'] must be a non-empty riak.conf value on one line, without '#'");
            }

            lines.Add(new(key, trimmed));
        }

        return lines;
    }
}
