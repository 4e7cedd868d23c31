using System.Diagnostics;
using System.Globalization;

namespace Drover.ZooKeeper.Bench;

/// <summary>
/// The Apache ZooKeeper Java client from the Debian package, driven through java/ZkBench.java: compiled
/// with javac into a temporary directory at start, run with the same jars as the server, one JVM for
/// the whole benchmark (so the JIT warms up as the .NET side does).
/// </summary>
public sealed class JavaClientRunner : IAsyncDisposable
{
    public const string ClassPath = "/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar";

    private readonly Process _process;
    private readonly string _classes;

    private JavaClientRunner(Process process, string classes, string sessionId)
    {
        _process = process;
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
        var info = new ProcessStartInfo("java")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
        };
        foreach (var arg in new[]
                 {
                     "-Xmx1g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dzookeeper.jmx.log4j.disable=true",
                     "-cp", $"{classes}:{ClassPath}", "ZkBench", connectString,
                     ((int)sessionTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                 })
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start java.");
        var ready = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        if (ready is null || !ready.StartsWith("READY ", StringComparison.Ordinal))
        {
            process.Kill();
            throw new InvalidOperationException($"The Java client said '{ready}'.");
        }
        return new JavaClientRunner(process, classes, ready["READY ".Length..]);
    }

    public async Task<RunResult> RunAsync(string op, int inFlight, TimeSpan warmup, TimeSpan measure, string basePath, int payloadBytes)
    {
        await _process.StandardInput.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"run {op} {inFlight} {(long)warmup.TotalMilliseconds} {(long)measure.TotalMilliseconds} {basePath} {payloadBytes}"));
        await _process.StandardInput.FlushAsync();
        var line = await _process.StandardOutput.ReadLineAsync().WaitAsync(warmup + measure + TimeSpan.FromSeconds(90))
            ?? throw new InvalidOperationException("The Java client exited.");
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
        var info = new ProcessStartInfo("java") { UseShellExecute = false, RedirectStandardError = true };
        info.ArgumentList.Add("-version");
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start java.");
        var first = await process.StandardError.ReadLineAsync();
        await process.WaitForExitAsync();
        return first ?? "java (unknown version)";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _process.StandardInput.WriteLineAsync("quit");
            await _process.StandardInput.FlushAsync();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
        {
            _process.Kill();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_classes, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static async Task RunToEndAsync(string program, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {errors}");
        }
    }
}
