using System.Globalization;
using System.Net.Sockets;
using Drover.Posix;
using Drover.Testing;
using Drover.Testing.Standins.Cassandra;

namespace Drover.Jmx.Tests.Support;

/// <summary>
/// One FakeCassandra JVM started directly (java -cp conf:classes FakeCassandra), with its own cassandra.yaml and
/// ports picked at run time; local JMX on 127.0.0.1:<see cref="JmxPort"/> as cassandra-env.sh's LOCAL_JMX=yes sets up.
/// </summary>
public sealed class StandinNode : IAsyncDisposable
{
    private readonly SpawnedProcess _process;

    private StandinNode(SpawnedProcess process, Task<ChildExit> exited, string directory, int jmxPort, int nativePort)
    {
        _process = process;
        Exited = exited;
        Directory = directory;
        JmxPort = jmxPort;
        NativePort = nativePort;
    }

    public int JmxPort { get; }

    public int NativePort { get; }

    public string Directory { get; }

    public Task<ChildExit> Exited { get; }

    public int Pid => _process.Pid;

    public string Log => File.Exists(Path.Combine(Directory, "out.log")) ? File.ReadAllText(Path.Combine(Directory, "out.log")) : "";

    /// <summary>Starts a node; <paramref name="passwordFile"/> turns on JMX authentication. Returns once JMX accepts connections.</summary>
    public static async Task<StandinNode> StartAsync(CassandraStandin standin, string? passwordFile = null, long startupMillis = 300)
    {
        var directory = Path.Combine(Path.GetTempPath(), "drover-jmx-tests-" + Guid.NewGuid().ToString("N")[..10]);
        var conf = Path.Combine(directory, "conf");
        System.IO.Directory.CreateDirectory(conf);
        var ports = FreePort.Many(3);
        var data = Path.Combine(directory, "data");
        await File.WriteAllTextAsync(Path.Combine(conf, "cassandra.yaml"), string.Create(CultureInfo.InvariantCulture, $"""
            cluster_name: "jmx tests"
            listen_address: 127.0.0.1
            rpc_address: 127.0.0.1
            native_transport_port: {ports[1]}
            storage_port: {ports[2]}
            endpoint_snitch: SimpleSnitch
            data_file_directories:
              - "{data}/data"
            commitlog_directory: "{data}/commitlog"
            saved_caches_directory: "{data}/saved_caches"
            hints_directory: "{data}/hints"

            """));

        List<string> argv =
        [
            "java", "-Xms16m", "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-cp", conf + ":" + standin.ClassesDir,
            $"-Dcassandra.jmx.local.port={ports[0]}",
            $"-Dfake.cassandra.startup.millis={startupMillis}",
        ];
        if (passwordFile is not null)
        {
            argv.Add("-Dcom.sun.management.jmxremote.authenticate=true");
            argv.Add("-Dcom.sun.management.jmxremote.password.file=" + passwordFile);
        }

        argv.Add("FakeCassandra");
        var process = ExitWaiters.Spawn(new SpawnRequest
        {
            Executable = "java",
            Arguments = argv,
            Environment = Tools.CurrentEnvironment(),
            WorkingDirectory = directory,
            Stdout = StdioTarget.File(Path.Combine(directory, "out.log")),
            Stderr = StdioTarget.File(Path.Combine(directory, "out.log")),
        }, out var exited);
        var node = new StandinNode(process, exited, directory, ports[0], ports[1]);
        await Eventually.TrueAsync(async () =>
        {
            if (exited.IsCompleted)
            {
                throw new InvalidOperationException($"the stand-in exited ({exited.Result.Describe()}): {node.Log}");
            }

            // Logged after the connector stub is bound in the registry: before that, a lookup of "jmxrmi" fails.
            return node.Log.Contains("Configured JMX server at", StringComparison.Ordinal) && await Accepts(ports[0]);
        }, "the Cassandra stand-in's JMX server", TimeSpan.FromSeconds(30));
        return node;
    }

    public static async Task<bool> Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Posix.Signals.SendToGroup(_process.ProcessGroupId, Posix.Signals.SIGKILL);
        await Exited.WaitAsync(TimeSpan.FromSeconds(10));
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }
}
