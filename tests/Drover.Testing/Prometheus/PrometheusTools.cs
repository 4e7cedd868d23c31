using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Drover.Testing.Prometheus;

/// <summary>Runs the Debian prometheus/promtool binaries for the tests; a missing binary is a failure, not a skip.</summary>
public static class ExternalProcess
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Prometheus = "/usr/bin/prometheus";

    public static void RequireBinary(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: install the Debian package 'prometheus' (apt-get install prometheus).");
        }
    }

    /// <summary>Runs to completion with <paramref name="stdin"/> as input; returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string path, string arguments, string stdin)
    {
        RequireBinary(path);
        var start = new ProcessStartInfo(path, arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The tool stopped reading early (it found an error); its exit code and output tell why.
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A port free right now on 127.0.0.1, for a program that cannot be told to pick its own.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A Prometheus server scraping one target every second, in a temporary directory.</summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _log = new();

    private PrometheusServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

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
        var port = ExternalProcess.FreePort();
        var start = new ProcessStartInfo(ExternalProcess.Prometheus)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
        start.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        return new PrometheusServer(Process.Start(start)!, directory, port);
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
                if (result.GetArrayLength() == 1)
                {
                    return result[0].Clone();
                }
            }
            catch (HttpRequestException error)
            {
                last = error.Message; // not listening yet
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"No single series for '{query}' within {patience}. Last answer: {last}\nPrometheus log:\n{Log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
