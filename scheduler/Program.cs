using System.Runtime.InteropServices;
using Drover.Mesos.Scheduler;
using Drover.Metrics;
using Drover.Metrics.Procfs;
using Drover.Registry;
using Drover.Scheduler.Api;
using Drover.Scheduler.Configuration;
using Drover.Scheduler.Core;
using Drover.Logging;
using Drover.Scheduler.Master;
using Drover.Scheduler.Registry;
using Drover.Scheduler.State;
using Drover.ZooKeeper;

namespace Drover.Scheduler;

/// <summary>
/// drover-scheduler: serves the operator API (a standby too: its health says so), connects to ZooKeeper, waits to
/// lead its framework name, loads its state, and runs the scheduler loop against the Mesos master until stopped
/// (SIGTERM/SIGINT), until it loses its ZooKeeper session (a standby takes over), or until the master refuses it.
/// Exit codes: 0 stopped, 1 fatal, 2 bad command line.
/// </summary>
public static class Program
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> Main(string[] args)
    {
        SchedulerSettings settings;
        try
        {
            settings = SchedulerSettings.Parse(args, Environment.GetEnvironmentVariable);
        }
        catch (SettingsException e)
        {
            if (e.Message.Length > 0)
            {
                Console.Error.WriteLine($"drover-scheduler: {e.Message}");
            }

            Console.Error.WriteLine(SchedulerSettings.Usage);
            return e.Message.Length == 0 ? 0 : 2;
        }

        Log.Threshold = settings.Debug ? LogLevel.Debug : LogLevel.Info;
        try
        {
            return settings.Command == "reset-framework"
                ? await ResetFrameworkAsync(settings).ConfigureAwait(false)
                : await RunAsync(settings).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StateStoreException or KeeperException or IOException or UnauthorizedAccessException or TimeoutException
            or ApiConfigurationException or FormatException or InvalidDataException)
        {
            Log.Error(e.Message);
            return 1;
        }
    }

    private static async Task<(ZooKeeperClient Client, ZooKeeperStateStore Store, StatePaths Paths, IReadOnlyList<Acl> Acl)> OpenStoreAsync(SchedulerSettings settings)
    {
        DigestCredentials? credentials = null;
        if (settings.ZooKeeperDigestFile is { } digestFile)
        {
            credentials = DigestCredentials.Parse((await File.ReadAllTextAsync(digestFile).ConfigureAwait(false)).Trim());
        }

        ZooKeeperClient client;
        try
        {
            client = await ZooKeeperClient.ConnectAsync(new ZooKeeperClientOptions
            {
                ConnectString = settings.ZooKeeper,
                SessionTimeout = settings.ZooKeeperSessionTimeout,
                AuthInfo = credentials is null ? [] : [credentials.AuthInfo],
            }).WaitAsync(ConnectTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no ZooKeeper session with {settings.ZooKeeper} within {ConnectTimeout.TotalSeconds:0} s");
        }

        var acl = credentials is null ? Ids.OpenAclUnsafe : new List<Acl> { new(Perms.Read, Ids.AnyoneIdUnsafe), new(Perms.All, credentials.Id) };
        var paths = new StatePaths(settings.ZooKeeperRoot, settings.Options.Framework);
        var store = new ZooKeeperStateStore(client, paths, acl);
        await store.EnsureDirectoriesAsync().ConfigureAwait(false);
        Log.Info($"ZooKeeper {settings.ZooKeeper}: state under {paths.Scheduler} ({(credentials is null ? "open ACLs" : credentials.ToString())})");
        return (client, store, paths, acl);
    }

    private static async Task<int> RunAsync(SchedulerSettings settings)
    {
        // Every file is read before anything starts: a bad secret or token stops the program with its reason.
        var credentials = settings.SecretFile is { } secretFile ? BasicCredentials.FromFile(settings.Options.Principal!, secretFile) : null;
        var apiOptions = new OperatorApiOptions
        {
            Listen = ListenAddress.Parse(settings.ApiListen),
            Token = settings.ApiTokenFile is { } tokenFile ? OperatorToken.ReadFile(tokenFile) : null,
        };
        apiOptions.Validate();
        var masterOptions = new SchedulerClientOptions
        {
            Masters = MasterAddress.Parse(settings.Master),
            Credentials = credentials,
            MinimumMasterVersion = settings.MinimumMasterVersion,
            ZooKeeperSessionTimeout = settings.ZooKeeperSessionTimeout,
        };

        var (client, store, paths, acl) = await OpenStoreAsync(settings).ConfigureAwait(false);
        await using var _ = client.ConfigureAwait(false);
        using var stopping = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
        // Leadership lives as long as the session: once it is lost (or no server has answered for the session timeout),
        // this scheduler stops acting and exits non-zero; the standby, or a restart by Marathon/systemd, continues from
        // the last commit.
        var sessionLost = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var sessionWatch = new SessionWatch(client.SessionTimeout, TimeProvider.System, reason =>
        {
            sessionLost.TrySetResult(reason);
            stopping.Cancel();
        });
        client.StateChanged += (_, state) => sessionWatch.OnStateChanged(state);
        sessionWatch.OnStateChanged(client.State);

        await using var master = new MesosMaster(masterOptions, TimeProvider.System);
        await using var registry = new ZooKeeperRegistryFeed(settings.Options.Framework, settings.ZooKeeperSessionTimeout);
        var loop = new SchedulerLoop(settings.Options, master, store, TimeProvider.System, registry);
        loop.StandBy();
        var metrics = new MetricRegistry();
        metrics.Register(new ProcessCollector());
        // Served from the start: a standby answers its health check (healthy, not the leader) and refuses changes.
        await using var api = await OperatorApi.StartAsync(loop, apiOptions, metrics, TimeProvider.System, stopping.Token).ConfigureAwait(false);

        var election = new LeaderElection(client, paths, acl, new LeaderInfo
        {
            Host = System.Net.Dns.GetHostName(),
            Pid = Environment.ProcessId,
            Api = api.Url.ToString(),
            Since = DateTimeOffset.UtcNow,
        });
        try
        {
            await election.WaitForLeadershipAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            if (sessionLost.Task.IsCompleted)
            {
                Log.Error($"{sessionLost.Task.Result} while standing by: exiting");
                return 1;
            }

            Log.Info("stopped while standing by");
            return 0;
        }

        store.Fence = election.CandidatePath;
        Log.Info($"leading framework '{settings.Options.Framework}' (role {settings.Options.Role}) with masters {masterOptions.Masters}");
        var run = loop.RunAsync(stopping.Token);
        await Task.WhenAny(run, sessionLost.Task).ConfigureAwait(false);
        // Not "which came first": losing the session also stops the loop, which may then finish first.
        if (sessionLost.Task.IsCompleted)
        {
            Log.Error($"{sessionLost.Task.Result}: this scheduler may no longer lead framework '{settings.Options.Framework}'; " +
                "it stops acting and exits (the standby, or a restart, continues from the last commit)");
            // A commit waiting for a server to come back would wait for ever: closing the client fails it, and the loop
            // stops at once (it was asked to already, and acts no more meanwhile: its commits are fenced on the session).
            await client.CloseAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
            return 1;
        }

        return await run.ConfigureAwait(false);
    }

    private static async Task<int> ResetFrameworkAsync(SchedulerSettings settings)
    {
        var (client, store, _, _) = await OpenStoreAsync(settings).ConfigureAwait(false);
        await using var _ = client.ConfigureAwait(false);
        var stored = await store.ReadFrameworkIdAsync().ConfigureAwait(false);
        Log.Info($"stored framework id of '{settings.Options.Framework}': {stored ?? "(none)"}");
        await store.ResetFrameworkIdAsync(settings.Confirm!).ConfigureAwait(false);
        Log.Info($"framework id {settings.Confirm} forgotten: the next scheduler registers a new framework; clusters, nodes and the reservation ledger are kept");
        return 0;
    }
}
