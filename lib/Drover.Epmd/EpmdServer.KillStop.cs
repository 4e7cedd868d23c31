using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// KILL_REQ (local peers only): "NO" while this server holds a registration, unless relaxed; otherwise
    /// "OK", and the server stops itself as epmd exits (raising <see cref="Killed"/>).
    /// </summary>
    private async ValueTask<bool> HandleKillAsync(EpmdConnection connection)
    {
        if (!connection.IsLocalPeer)
        {
            return await Reject().ConfigureAwait(false);
        }
        Counters.KillRequest();
        bool holding;
        lock (_gate)
        {
            holding = _held.Count > 0;
        }
        if (holding && !_options.RelaxedCommandCheck)
        {
            await SendLastAsync(connection, EpmdResponses.KillNo).ConfigureAwait(false);
            return false;
        }
        await SendLastAsync(connection, EpmdResponses.KillOk).ConfigureAwait(false);
        connection.Close();
        // Not awaited here: stopping waits for every connection, this one included.
        _ = Task.Run(async () =>
        {
            await StopAsync().ConfigureAwait(false);
            Killed?.Invoke(this, EventArgs.Empty);
        });
        return false;
    }

    /// <summary>
    /// STOP_REQ (local peers, relaxed servers only; otherwise closed unanswered): unregister the named node
    /// if it registered through this server and close its connection, then "STOPPED". An unknown name gets
    /// "NOEXIST" followed by "STOPPED", exactly as epmd answers it.
    /// </summary>
    private async ValueTask<bool> HandleStopAsync(EpmdConnection connection, ReadOnlyMemory<byte> request)
    {
        if (!connection.IsLocalPeer || !_options.RelaxedCommandCheck
            || StopRequest.TryParse(request.Span, out var name) != EpmdParseStatus.Ok)
        {
            return await Reject().ConfigureAwait(false);
        }
        Counters.StopRequest();
        EpmdConnection? holder = null;
        if (name is not null)
        {
            lock (_gate)
            {
                _held.TryGetValue(name, out holder);
            }
        }
        if (holder is null)
        {
            await SendLastAsync(connection, EpmdResponses.NoExistStopped).ConfigureAwait(false);
            return false;
        }
        await EndRegistrationAsync(holder).ConfigureAwait(false);
        holder.Close();
        await SendLastAsync(connection, EpmdResponses.Stopped).ConfigureAwait(false);
        return false;
    }
}
