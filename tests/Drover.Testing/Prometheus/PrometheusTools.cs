using System.Text.Json;
using CliWrap;
using Drover.Testing.Programs;

namespace Drover.Testing.Prometheus;

/// <summary>Runs the Debian prometheus/promtool binaries for the tests; a missing binary is a failure, not a skip.</summary>
public static class ExternalProcess
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    public static void RequireBinary(string path) => ExternalProgram.Require(path, "prometheus");

    /// <summary>Runs to completion with <paramref name="stdin"/> as input; returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string path, string arguments, string stdin)
    {
        RequireBinary(path);
        // A tool that stops reading early (it found an error) is fine: its exit code and output tell why.
        var run = await ExternalProgram.RunAsync(
            Cli.Wrap(path).WithArguments(arguments).WithStandardInputPipe(PipeSource.FromString(stdin)),
            TimeSpan.FromSeconds(60));
        return run.ExitCode is { } exitCode ? (exitCode, run.Output) : throw new TimeoutException($"{path} {arguments} ran over 60 s:\n{run.Output}");
    }
}

/// <summary>A Prometheus server scraping one target every second, in a temporary directory.</summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly RunningProgram _program;
    private readonly string _directory;

    private PrometheusServer(RunningProgram program, string directory, int port)
    {
        _program = program;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's process id (it is gone once the server is disposed).</summary>
    public int Pid => _program.Pid;

    public string Log => _program.Output;

    public static PrometheusServer Start(int targetPort) => StartWith(
        "  - job_name: drover\n" +
        "    static_configs:\n" +
        $"      - targets: ['127.0.0.1:{targetPort}']\n");

    /// <summary>A Prometheus server that finds its targets through HTTP service discovery (http_sd_configs) at <paramref name="url"/>, refreshed every second.</summary>
    public static PrometheusServer StartWithHttpSd(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return StartWith(
            "  - job_name: drover\n" +
            "    http_sd_configs:\n" +
            $"      - url: '{url}'\n" +
            "        refresh_interval: 1s\n");
    }

    private static PrometheusServer StartWith(string scrapeConfigs)
    {
        ExternalProcess.RequireBinary(ExternalProcess.Prometheus);
        var directory = Directory.CreateTempSubdirectory("drover-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config,
            "global:\n" +
            "  scrape_interval: 1s\n" +
            "  scrape_timeout: 1s\n" +
            "scrape_configs:\n" +
            scrapeConfigs);
        var port = FreePort.Next();
        var program = RunningProgram.Start(Cli.Wrap(ExternalProcess.Prometheus).WithArguments(
        [
            $"--config.file={config}",
            $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port}",
        ]));
        return new PrometheusServer(program, directory, port);
    }

    /// <summary>Polls the HTTP API until <paramref name="query"/>'s result (an array of series) satisfies <paramref name="done"/>; returns it.</summary>
    public async Task<JsonElement> QueryUntilAsync(string query, Func<JsonElement, bool> done, TimeSpan patience)
    {
        ArgumentNullException.ThrowIfNull(done);
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + patience;
        var last = "(no answer yet)";
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                var uri = new Uri($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(query)}");
                last = await http.GetStringAsync(uri);
                using var document = JsonDocument.Parse(last);
                var result = document.RootElement.GetProperty("data").GetProperty("result");
                if (done(result))
                {
                    return result.Clone();
                }
            }
            catch (HttpRequestException error)
            {
                last = error.Message; // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No satisfying answer to '{query}' within {patience}. Last answer: {last}\nPrometheus log:\n{Log}");
    }

    /// <summary>Polls the HTTP API until <paramref name="query"/> returns exactly one series; returns it.</summary>
    public async Task<JsonElement> QuerySingleAsync(string query, TimeSpan patience)
    {
        using var http = new HttpClient();
        var last = "(no answer yet)";
        JsonElement series = default;
        var uri = new Uri($"http://127.0.0.1:{Port}/api/v1/query?query={Uri.EscapeDataString(query)}");
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    last = await http.GetStringAsync(uri);
                    using var document = JsonDocument.Parse(last);
                    var result = document.RootElement.GetProperty("data").GetProperty("result");
                    if (result.GetArrayLength() != 1)
                    {
                        return false;
                    }
                    series = result[0].Clone();
                    return true;
                }
                catch (HttpRequestException error)
                {
                    last = error.Message; // not listening yet
                    return false;
                }
            },
            () => $"a single series for '{query}'. Last answer: {last}\nPrometheus log:\n{Log}",
            patience);
        return series;
    }

    public async ValueTask DisposeAsync()
    {
        await _program.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
