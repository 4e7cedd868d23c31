using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Drover.Epmd;
using Drover.Logging;
using Drover.Registry;
using Drover.Registry.Epmd;

namespace Drover.Executor.Cepmd;

/// <summary>
/// <c>drover-executor cepmd ...</c>: a cEPMD on an operator's machine, backed by a cluster's ZooKeeper
/// <c>epmd/</c>, so that a local Erlang node registers into the cluster (its name checked against the
/// cluster's) and the cluster's nodes resolve through it. Runs until SIGTERM or SIGINT, then unregisters
/// everything; one line per event on stderr.
/// </summary>
public static class StandaloneCepmd
{
    public const string Usage = """
        usage: drover-executor cepmd --zookeeper <host:port[,host:port...][/chroot] | exhibitor:http://host:port[,...][/chroot]> --cluster <name>
                                     [--root /drover] [--framework drover] [--port 4369] [--bind 127.0.0.1]
                                     [--host <hostname>] [--digest-file <file>]

        A cEPMD on this machine whose registrations are the cluster's (ZooKeeper <root>/<framework>/clusters/<cluster>/epmd).
        Point Erlang at it with ERL_EPMD_PORT=<port> (and -start_epmd false). Without --host, NAMES lists every node
        of the cluster. --digest-file holds "user:password", the framework's ZooKeeper digest.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        StandaloneOptions options;
        try
        {
            options = StandaloneOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"drover-executor cepmd: {e.Message}\n\n{Usage}");
            return 2;
        }

        var store = new ZooKeeperEpmdRegistry(options.Registry, options.Cluster);
        store.Changed += (_, e) => Log.Info(e.ToString());
        store.Session.Changed += (_, e) => Log.Info($"cEPMD: {e}");
        var server = new EpmdServer(new EpmdServerOptions { Host = options.Host }, store);
        try
        {
            await server.StartAsync(new IPEndPoint(options.Bind, options.Port)).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            Log.Error($"cannot listen on {options.Bind}:{options.Port}: {e.Message}");
            await store.DisposeAsync().ConfigureAwait(false);
            return 1;
        }

        Log.Info($"cEPMD listening on {server.LocalEndPoint} for cluster '{options.Cluster}' at {store.Path} ({options.Registry}); host {options.Host ?? "(none: NAMES lists the whole cluster)"}; use ERL_EPMD_PORT={server.LocalEndPoint.Port}");
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult("SIGTERM");
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.TrySetResult("SIGINT");
        });
        server.Killed += (_, _) => stop.TrySetResult("KILL_REQ");

        var why = await stop.Task.ConfigureAwait(false);
        Log.Info($"stopping on {why}: unregistering {server.Counters.ActiveRegistrations} node(s)");
        await server.StopAsync().ConfigureAwait(false);
        await store.DisposeAsync().ConfigureAwait(false);
        Log.Info($"stopped: {server.Counters.Registrations} registration(s), {server.Counters.LookupHits} lookup hit(s), {server.Counters.LookupMisses} miss(es) served");
        return 0;
    }
}

/// <summary>The standalone command's arguments, each checked; errors name the option.</summary>
public sealed record StandaloneOptions(RegistryOptions Registry, string Cluster, IPAddress Bind, int Port, string? Host)
{
    public const int DefaultPort = 4369;

    public const string DefaultFramework = "drover";

    public static StandaloneOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] known = ["--zookeeper", "--cluster", "--root", "--framework", "--port", "--bind", "--host", "--digest-file"];
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (!known.Contains(name))
            {
                throw new ArgumentException($"unknown option '{name}'");
            }
            if (i + 1 >= args.Count)
            {
                throw new ArgumentException($"{name} needs a value");
            }
            if (!values.TryAdd(name, args[++i]))
            {
                throw new ArgumentException($"{name} is given twice");
            }
        }

        var connect = values.GetValueOrDefault("--zookeeper") ?? throw new ArgumentException("--zookeeper is required");
        var cluster = values.GetValueOrDefault("--cluster") ?? throw new ArgumentException("--cluster is required");
        RegistryPaths.ValidateName(cluster, "cluster name");
        var port = DefaultPort;
        if (values.TryGetValue("--port", out var portText)
            && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 0 or > 65535))
        {
            throw new ArgumentException($"--port must be from 0 to 65535 (got '{portText}')");
        }
        var bind = IPAddress.Loopback;
        if (values.TryGetValue("--bind", out var bindText) && !IPAddress.TryParse(bindText, out bind))
        {
            throw new ArgumentException($"--bind must be an IP address (got '{bindText}')");
        }
        var host = values.GetValueOrDefault("--host");
        if (host is { Length: 0 })
        {
            throw new ArgumentException("--host cannot be empty");
        }
        DigestCredentials? credentials = null;
        if (values.TryGetValue("--digest-file", out var digestFile))
        {
            // The error never repeats the file's content.
            credentials = DigestCredentials.Parse(File.ReadAllText(digestFile).TrimEnd('\r', '\n', ' ', '\t'));
        }
        var registry = new RegistryOptions
        {
            ConnectString = connect,
            Root = values.GetValueOrDefault("--root") ?? RegistryPaths.DefaultRoot,
            Framework = values.GetValueOrDefault("--framework") ?? DefaultFramework,
            Credentials = credentials,
        };
        return new StandaloneOptions(registry, cluster, bind!, port, host);
    }
}
