using System.Globalization;
using System.Text;
using CliWrap;
using Drover.Testing.Programs;

namespace Drover.Testing.ZooKeeper;

/// <summary>
/// A real ZooKeeper 3.8 server (Debian's package) in a JVM of its own, on loopback ports chosen at run
/// time, with a temporary data directory. The tick is short so session timeouts can be short; the JVM
/// is killed on dispose (and found gone before dispose returns), and a reaper shell kills it too if the
/// test process dies first. Both run through CliWrap (<see cref="RunningProgram"/>).
/// </summary>
public sealed class ZooKeeperServer : IAsyncDisposable
{
    /// <summary>ZooKeeper bounds session timeouts to [2, 20] ticks by default; we widen the top.</summary>
    public const int TickTimeMs = 200;

    public const string JavaClassPath = "/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar";

    /// <summary>Small heap, C1 only: the server starts fast, which is what tests need.</summary>
    public const string TestJvmOptions = "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";

    private readonly string _configPath;
    private readonly string _logPath;
    private readonly string _jvmOptions;
    private RunningProgram? _jvm;
    private RunningProgram? _reaper;

    private ZooKeeperServer(int id, string directory, int clientPort, IReadOnlyList<string> quorum, string jvmOptions, string host)
    {
        _jvmOptions = jvmOptions;
        Id = id;
        Host = host;
        Directory = directory;
        ClientPort = clientPort;
        var dataDir = Path.Combine(directory, "data");
        System.IO.Directory.CreateDirectory(dataDir);
        _configPath = Path.Combine(directory, "zoo.cfg");
        _logPath = Path.Combine(directory, "server.log");
        var config = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"tickTime={TickTimeMs}")
            .AppendLine("initLimit=50")
            .AppendLine("syncLimit=10")
            .AppendLine(CultureInfo.InvariantCulture, $"dataDir={dataDir}")
            .AppendLine(CultureInfo.InvariantCulture, $"clientPort={clientPort}")
            .AppendLine(CultureInfo.InvariantCulture, $"clientPortAddress={host}")
            .AppendLine("maxSessionTimeout=60000")
            .AppendLine("admin.enableServer=false")
            .AppendLine("4lw.commands.whitelist=*")
            // The txn log still reaches the page cache before a reply, which survives SIGKILL of the JVM.
            .AppendLine("forceSync=no");
        foreach (var line in quorum)
        {
            config.AppendLine(line);
        }
        File.WriteAllText(_configPath, config.ToString());
        if (quorum.Count > 0)
        {
            File.WriteAllText(Path.Combine(dataDir, "myid"), id.ToString(CultureInfo.InvariantCulture));
        }
    }

    public int Id { get; }

    public int ClientPort { get; }

    /// <summary>The loopback address the client port is bound to (127.0.0.1 unless an ensemble spreads over several).</summary>
    public string Host { get; }

    public string Directory { get; }

    public string ConnectString => $"{Host}:{ClientPort}";

    public bool IsRunning => _jvm is { HasExited: false };

    /// <summary>A standalone server, started and serving.</summary>
    /// <param name="jvmOptions">Heap, GC and JIT flags; benchmarks pass a fully optimising JVM.</param>
    public static async Task<ZooKeeperServer> StartStandaloneAsync(string jvmOptions = TestJvmOptions)
    {
        var server = Create(1, FreePort.Next(), [], jvmOptions);
        try
        {
            server.Start();
            await server.WaitServingAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    internal static ZooKeeperServer Create(int id, int clientPort, IReadOnlyList<string> quorum, string jvmOptions = TestJvmOptions, string host = "127.0.0.1")
    {
        var directory = Path.Combine(Path.GetTempPath(), $"drover-zk-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        return new ZooKeeperServer(id, directory, clientPort, quorum, jvmOptions, host);
    }

    public void Start()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Server {Id} is already running.");
        }
        var java = string.Join(' ',
            $"exec java {_jvmOptions}",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
            "-Dznode.container.checkIntervalMs=100",
            "-Dzookeeper.admin.enableServer=false",
            $"-cp {JavaClassPath}",
            "org.apache.zookeeper.server.quorum.QuorumPeerMain",
            $"'{_configPath}' >>'{_logPath}' 2>&1");
        _jvm = StartShell(java);
        // If the test process dies (crash, kill), nothing would stop the JVM: this shell does, and only then.
        _reaper = StartShell(
            $"while kill -0 {_jvm.Pid} 2>/dev/null; do if ! kill -0 {Environment.ProcessId} 2>/dev/null; then kill -9 {_jvm.Pid}; exit 0; fi; sleep 1; done");
    }

    /// <summary>Waits until the server answers srvr with a mode (standalone, leader or follower).</summary>
    public async Task WaitServingAsync(TimeSpan? timeout = null)
    {
        await Eventually.TrueAsync(async () =>
        {
            if (_jvm is { HasExited: true })
            {
                throw new InvalidOperationException($"ZooKeeper server {Id} exited with {_jvm.ExitCode}:\n{LogTail()}\n{_jvm.Output}");
            }
            var answer = await FourLetterWord.SendAsync(System.Net.IPAddress.Parse(Host), ClientPort, "srvr");
            return answer?.Contains("Mode: ", StringComparison.Ordinal) == true;
        }, $"ZooKeeper server {Id} on port {ClientPort} to serve", timeout ?? TimeSpan.FromSeconds(60));
    }

    public async Task<string?> ModeAsync()
    {
        var answer = await FourLetterWord.SendAsync(System.Net.IPAddress.Parse(Host), ClientPort, "srvr");
        var line = answer?.Split('\n').FirstOrDefault(l => l.StartsWith("Mode: ", StringComparison.Ordinal));
        return line?["Mode: ".Length..].Trim();
    }

    /// <summary>SIGKILL: the server dies as in a crash, without closing anything.</summary>
    public void Kill()
    {
        _jvm?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _reaper?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _reaper = null;
    }

    public async Task RestartAsync()
    {
        Kill();
        Start();
        await WaitServingAsync();
    }

    public string LogTail(int lines = 40)
    {
        try
        {
            var all = File.ReadAllLines(_logPath);
            return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
        }
        catch (IOException e)
        {
            return $"(no log: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_jvm is not null)
        {
            await _jvm.DisposeAsync();
        }
        if (_reaper is not null)
        {
            await _reaper.DisposeAsync();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless; a failed cleanup must not fail the tests.
        }
    }

    private static RunningProgram StartShell(string script) => RunningProgram.Start(Cli.Wrap("/bin/sh").WithArguments(["-c", script]));
}
