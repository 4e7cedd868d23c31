namespace Drover.Executor.Personalities.Drill;

/// <summary>
/// Drill's graceful shutdown as a stop step: POST /gracefulShutdown, then wait until the drillbit has
/// drained (its registration is gone) or its web server is down. The executor bounds the step with
/// <see cref="DrillSettings.StopTimeout"/> and sends SIGTERM afterwards either way (Drill's shutdown hook
/// is graceful too). A refused request throws, which the executor logs before going on.
/// </summary>
public sealed class DrillGracefulShutdown(DrillConnections connections)
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync(CancellationToken cancellation)
    {
        var request = await connections.Http.GracefulShutdownAsync(cancellation).ConfigureAwait(false);
        if (!request.Ok)
        {
            throw new InvalidOperationException($"Drill refused the graceful shutdown: {request.Detail}");
        }

        while (!await DrainedAsync(cancellation).ConfigureAwait(false))
        {
            await Task.Delay(PollInterval, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>Unregistered, or the web server refuses connections: nothing is left to drain.</summary>
    public async Task<bool> DrainedAsync(CancellationToken cancellation)
    {
        var (lookup, _) = await connections.RegistrationAsync(cancellation).ConfigureAwait(false);
        if (lookup is { IsAbsent: true })
        {
            return true;
        }

        var status = await connections.Http.StatusAsync(cancellation).ConfigureAwait(false);
        return status.Refused;
    }
}
