using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Drover.Scheduler.Operations;
using Drover.Testing;
using Drover.Testing.Programs;

namespace Drover.Scheduler.EndToEnd.Tests.Support;

/// <summary>
/// drover-scheduler as operators run it: a process of its own (<c>dotnet exec drover-scheduler.dll</c>, the build
/// the test project copies beside itself), its operator API on a loopback port picked now, its log kept. SIGKILL
/// is <see cref="KillAsync"/>: the process tree gets it, as in a crash.
/// </summary>
public sealed class SchedulerProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    private readonly RunningProgram _program;

    private SchedulerProcess(RunningProgram program, Uri url, string name)
    {
        _program = program;
        Url = url;
        Name = name;
    }

    public Uri Url { get; }

    /// <summary>For messages: which of a test's schedulers this is.</summary>
    public string Name { get; }

    public int Pid => _program.Pid;

    public bool HasExited => _program.HasExited;

    public Task<int> Exited => _program.Exited;

    /// <summary>Its log (stderr) and anything it printed, so far.</summary>
    public string Output => _program.Output;

    public static SchedulerProcess Start(string name, IReadOnlyList<string> arguments)
    {
        var port = FreePort.Next();
        var dll = Path.Combine(AppContext.BaseDirectory, "drover-scheduler.dll");
        var command = CliWrap.Cli.Wrap("dotnet")
            .WithArguments(["exec", dll, "run", .. arguments, "--api-listen", $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"])
            // The test host's own settings are not the scheduler's.
            .WithEnvironmentVariables(e => e.Set("DOTNET_gcServer", "0").Set("DROVER_URL", null).Set("DROVER_TOKEN", null));
        return new SchedulerProcess(RunningProgram.Start(command), new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/"), name);
    }

    /// <summary>SIGKILL, as in a crash; returns once the process is gone.</summary>
    public Task KillAsync() => _program.KillAsync();

    /// <summary>SIGINT (an orderly stop), SIGKILL after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace) => _program.StopAsync(grace);

    public ValueTask DisposeAsync() => _program.DisposeAsync();

    /// <summary>The scheduler's whole state (<c>GET /v1/state</c>), or null while its API does not answer.</summary>
    public async Task<SchedulerSnapshot?> StateOrNullAsync()
    {
        try
        {
            var bytes = await Http.GetByteArrayAsync(new Uri(Url, "v1/state"));
            return JsonSerializer.Deserialize(bytes, SnapshotJsonContext.Default.SchedulerSnapshot);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async Task<SchedulerSnapshot> StateAsync() =>
        await StateOrNullAsync() ?? throw new InvalidOperationException($"scheduler {Name} does not answer at {Url}:\n{Tail()}");

    /// <summary>Polls the state until <paramref name="condition"/> holds; a timeout names what was awaited, shows the last state and the log's tail.</summary>
    public async Task<SchedulerSnapshot> UntilAsync(Func<SchedulerSnapshot, bool> condition, string what, TimeSpan? timeout = null)
    {
        SchedulerSnapshot? last = null;
        await Eventually.TrueAsync(
            async () =>
            {
                await Task.Delay(100);
                if (HasExited)
                {
                    throw new InvalidOperationException($"scheduler {Name} exited ({_program.ExitCode}) while waiting for {what}:\n{Tail()}");
                }

                last = await StateOrNullAsync();
                return last is not null && condition(last);
            },
            () => $"{what} (scheduler {Name})\nlast state: {Describe(last)}\nlog:\n{Tail()}",
            timeout ?? TimeSpan.FromSeconds(90));
        return last!;
    }

    /// <summary>Waits until the log has a line containing <paramref name="text"/> (after <paramref name="from"/> characters).</summary>
    public Task WaitForLogAsync(string text, int from = 0, TimeSpan? timeout = null) =>
        Eventually.TrueAsync(
            () => Output.Length > from && Output.IndexOf(text, from, StringComparison.Ordinal) >= 0,
            () => $"'{text}' in the log of scheduler {Name}:\n{Tail()}",
            timeout ?? TimeSpan.FromSeconds(60));

    /// <summary>An operator request (JSON body when given); the status and the body as text.</summary>
    public async Task<(int Status, string Body)> SendAsync(HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, new Uri(Url, path.TrimStart('/')));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task PutClusterAsync(string json)
    {
        var name = JsonDocument.Parse(json).RootElement.GetProperty("name").GetString();
        var (status, body) = await SendAsync(HttpMethod.Put, $"v1/clusters/{name}", json);
        Assert.True(status is 200 or 201, $"PUT cluster {name}: {status} {body}\n{Tail()}");
    }

    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    public static string Describe(SchedulerSnapshot? snapshot) => snapshot is null ? "(none)" : string.Join("; ",
        new[] { $"{snapshot.Subscription.State} framework {snapshot.Framework.Id}" }.Concat(snapshot.Clusters.SelectMany(c =>
            c.Nodes.Select(n => $"{n.Name} {n.Phase}/{n.Goal} healthy={n.Healthy} task={n.TaskId} on {n.Hostname}: {n.Message}")
                .Concat(c.Plans.SelectMany(p => p.Phases.SelectMany(ph => ph.Steps.Select(s => $"{p.Name}/{s.Name} {s.Status}: {s.Message}")))))));
}
