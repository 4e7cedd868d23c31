using Drover.Sidecar.Configuration;
using Drover.Sidecar.Hosting;

namespace Drover.Sidecar;

public static class Program
{
    /// <summary>Read by System.Net.Sockets when its first socket operation starts the epoll thread.</summary>
    public const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static async Task<int> Main(string[] args)
    {
        // Socket completions run on the epoll thread instead of being queued to the thread pool: a proxy
        // pump reads, writes and re-arms without a thread hop per message. Measured against HAProxy it
        // is the difference between 0.44-0.75x and 0.86-1.6x the throughput (bench/RESULTS.md). Nothing
        // here blocks in a completion. An operator's own value (0) wins.
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        if (args is ["--help"] or ["-h"])
        {
            Console.WriteLine(SettingsLoader.Usage);
            return 0;
        }
        if (args is ["--version"])
        {
            Console.WriteLine($"drover-sidecar {typeof(Program).Assembly.GetName().Version}");
            return 0;
        }

        SidecarSettings settings;
        try
        {
            settings = SettingsLoader.Load(args, SettingsLoader.ProcessEnvironment());
        }
        catch (SettingsException e)
        {
            Console.Error.WriteLine($"drover-sidecar: {e.Message}\n\n{SettingsLoader.Usage}");
            return 2;
        }

        SidecarApp app;
        try
        {
            app = await SidecarApp.StartAsync(settings).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SettingsException or IOException or System.Net.Sockets.SocketException)
        {
            // A certificate that does not load, a port already taken...
            Console.Error.WriteLine($"drover-sidecar: cannot start: {e.Message}");
            return 1;
        }
        await using (app.ConfigureAwait(false))
        {
            // SIGTERM and SIGINT stop the host; the proxies then close their connections and the session is closed.
            await app.WaitForShutdownAsync().ConfigureAwait(false);
        }
        return 0;
    }
}
