using System.Runtime.InteropServices;
using Drover.Executor.Agent;
using Drover.Executor.Configuration;
using Drover.Executor.Core;
using Drover.Logging;
using Drover.Executor.Runtime;
using Drover.Executor.Supervision;
using Drover.Executor.Tasks;
using Drover.Posix;

namespace Drover.Executor;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is ["cepmd", ..])
        {
            return await Cepmd.StandaloneCepmd.RunAsync(args[1..]).ConfigureAwait(false);
        }

        if (args is ["--version"])
        {
            Console.WriteLine($"drover-executor {typeof(Program).Assembly.GetName().Version}");
            return 0;
        }

        if (args.Length > 0)
        {
            Console.Error.WriteLine("usage: drover-executor [--version]\n       drover-executor cepmd --zookeeper <connect> --cluster <name> [...] (a standalone cEPMD; see README.md)\n\nA Mesos executor: launched by a Mesos agent, configured by its MESOS_* environment (see README.md).");
            return 2;
        }

        ExecutorSettings settings;
        try
        {
            settings = ExecutorSettings.FromEnvironment(ExecutorSettings.ProcessEnvironment());
        }
        catch (ExecutorSettingsException e)
        {
            Log.Error(e.Message);
            return 2;
        }

        if (settings.Environment.TryGetValue("DROVER_LOG_LEVEL", out var level) && Enum.TryParse<LogLevel>(level, ignoreCase: true, out var threshold))
        {
            Log.Threshold = threshold;
        }

        Log.Info($"drover-executor pid {Environment.ProcessId}: executor '{settings.ExecutorId}' of framework '{settings.FrameworkId}', agent {settings.AgentEndpoint}, sandbox {settings.Sandbox}");

        // Orphans of our services are re-parented to us, so we reap (and can kill) all of them.
        if (!ChildReaper.EnableSubreaper())
        {
            Log.Warning("could not become a child subreaper: descendants that outlive their parent escape supervision");
        }

        // The agent client posts to the loop, which owns (and disposes) it.
        ExecutorLoop? loop = null;
        var agent = new AgentClient(settings, e => loop!.Post(e));
        loop = new ExecutorLoop(settings, new ExecutorEffects(
            agent,
            new HostProcesses(),
            new Watchdog(),
            TimeProvider.System,
            LaunchPlanner.Plan,
            Random.Shared.NextDouble));
        using var owned = loop;
        // Children of CommandRunner, helpers and command checks first (ExitWaiters); services go to the loop.
        ChildReaper.Start(exit =>
        {
            if (!ExitWaiters.TryDeliver(exit))
            {
                loop.Post(new ChildExited(exit));
            }
        });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true; // the loop stops the services and exits
            loop.Post(new ShutdownSignal("SIGTERM"));
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            loop.Post(new ShutdownSignal("SIGINT"));
        });

        // Quiet for 5 s (services started, nothing happening): give back what start-up and launches left resident.
        using var trimmer = new IdleTrimmer(() => loop.EventsHandled, TimeSpan.FromSeconds(5), TimeProvider.System).Start();
        return await loop.RunAsync().ConfigureAwait(false);
    }
}
