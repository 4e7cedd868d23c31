using System.Globalization;
using System.Text;
using System.Threading.Channels;
using CliWrap;
using Drover.Testing.Programs;

namespace Drover.ZooKeeper.Bench;

/// <summary>
/// The Apache ZooKeeper Java client from the Debian package, driven through java/ZkBench.java: compiled
/// with javac into a temporary directory at start, run with the same jars as the server, one JVM for
/// the whole benchmark (so the JIT warms up as the .NET side does). It reads one command per line on stdin
/// and answers one line on stdout; both run through CliWrap.
/// </summary>
public sealed class JavaClientRunner : IAsyncDisposable
{
    public const string ClassPath = "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar";

    private readonly RunningProgram _program;
    private readonly Channel<string> _commands;
    private readonly Channel<string> _answers;
    private readonly string _classes;

    private JavaClientRunner(RunningProgram program, Channel<string> commands, Channel<string> answers, string classes, string sessionId)
    {
        _program = program;
        _commands = commands;
        _answers = answers;
        _classes = classes;
        SessionId = sessionId;
    }

    public string SessionId { get; }

    public static async Task<JavaClientRunner> StartAsync(string connectString, TimeSpan sessionTimeout)
    {
        var classes = Path.Combine(Path.GetTempPath(), $"drover-zkbench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(classes);
        var source = Path.Combine(AppContext.BaseDirectory, "java", "ZkBench.java");
        await RunToEndAsync("javac", ["-cp", ClassPath, "-d", classes, source]);

        var commands = Channel.CreateUnbounded<string>();
        var answers = Channel.CreateUnbounded<string>();
        var command = Cli.Wrap("java")
            .WithArguments(
            [
                "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dzookeeper.jmx.log4j.disable=true",
                "-cp", $"{classes}:{ClassPath}", "ZkBench", connectString,
                ((int)sessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
            ])
            .WithStandardInputPipe(PipeSource.Create(async (stdin, cancellation) =>
            {
                await using var writer = new StreamWriter(stdin, new UTF8Encoding(false), leaveOpen: true);
                await foreach (var line in commands.Reader.ReadAllAsync(cancellation))
                {
                    await writer.WriteLineAsync(line);
                    await writer.FlushAsync(cancellation);
                }
            }))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => answers.Writer.TryWrite(line)))
            .WithStandardErrorPipe(PipeTarget.ToStream(Console.OpenStandardError()));
        var program = RunningProgram.Start(command);
        _ = program.Exited.ContinueWith(_ => answers.Writer.TryComplete(), TaskScheduler.Default);
        var ready = await ReadLineAsync(answers, TimeSpan.FromSeconds(60));
        var runner = new JavaClientRunner(program, commands, answers, classes, ready.StartsWith("READY ", StringComparison.Ordinal) ? ready["READY ".Length..] : "");
        if (runner.SessionId.Length == 0)
        {
            await runner.DisposeAsync();
            throw new InvalidOperationException($"The Java client said '{ready}'.");
        }
        return runner;
    }

    public async Task<RunResult> RunAsync(string op, int inFlight, TimeSpan warmup, TimeSpan measure, string basePath, int payloadBytes)
    {
        await _commands.Writer.WriteAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {op} {inFlight} {(long)warmup.TotalMilliseconds} {(long)measure.TotalMilliseconds} {basePath} {payloadBytes}"));
        var line = await ReadLineAsync(_answers, warmup + measure + TimeSpan.FromSeconds(90));
        if (!line.StartsWith("RESULT ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The Java client said: {line}");
        }
        var words = line.Split(' ');
        var latencies = new long[words.Length - 5];
        for (var i = 0; i < latencies.Length; i++)
        {
            latencies[i] = long.Parse(words[i + 5], CultureInfo.InvariantCulture);
        }
        return new RunResult(
            long.Parse(words[1], CultureInfo.InvariantCulture),
            TimeSpan.FromTicks(long.Parse(words[2], CultureInfo.InvariantCulture) / 100),
            long.Parse(words[3], CultureInfo.InvariantCulture),
            latencies)
        {
            Cpu = TimeSpan.FromTicks(long.Parse(words[4], CultureInfo.InvariantCulture) / 100),
        };
    }

    public static async Task<string> VersionAsync()
    {
        var run = await ExternalProgram.RunAsync(Cli.Wrap("java").WithArguments(["-version"]), TimeSpan.FromSeconds(60));
        return run.Output.Split('\n')[0] is { Length: > 0 } first ? first : "java (unknown version)";
    }

    public async ValueTask DisposeAsync()
    {
        // "quit" and the end of stdin ask the JVM to close its session; it gets 10 s before it is killed.
        _commands.Writer.TryWrite("quit");
        _commands.Writer.TryComplete();
        await Task.WhenAny(_program.Exited, Task.Delay(TimeSpan.FromSeconds(10)));
        await _program.DisposeAsync();
        try
        {
            Directory.Delete(_classes, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task<string> ReadLineAsync(Channel<string> answers, TimeSpan timeout)
    {
        try
        {
            return await answers.Reader.ReadAsync().AsTask().WaitAsync(timeout);
        }
        catch (ChannelClosedException)
        {
            throw new InvalidOperationException("The Java client exited.");
        }
    }

    private static async Task RunToEndAsync(string program, IReadOnlyList<string> args)
    {
        var run = await ExternalProgram.RunAsync(Cli.Wrap(program).WithArguments(args), TimeSpan.FromMinutes(5));
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({run.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "timed out"}): {run.Output}");
        }
    }
}
