using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// Serves a connection whose request the event loop has read (<paramref name="received"/> bytes), or only
    /// cleans it up (<paramref name="received"/> = 0). Runs inline on the loop until something truly waits
    /// (a registry call that is not complete, a registration's connection), then goes on asynchronously.
    /// </summary>
    private async Task ServeAsync(EpmdConnection connection, int received)
    {
        try
        {
            if (received > 0 && await HandleAsync(connection, connection.Buffer.AsMemory(2, received - 2)).ConfigureAwait(false))
            {
                await WatchRegistrationAsync(connection, connection.Buffer).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer left, the sweeper or a STOP_REQ closed the socket, or the server is stopping.
        }
        finally
        {
            await EndRegistrationAsync(connection).ConfigureAwait(false);
            _connections.TryRemove(connection.Id, out _);
            connection.Dispose();
            connection.Slot.Dispose();
            Counters.ConnectionClosed();
            Leave();
        }
    }

    /// <summary>Answers one request; true when the connection must stay open as a registration.</summary>
    private ValueTask<bool> HandleAsync(EpmdConnection connection, ReadOnlyMemory<byte> request) => request.Span[0] switch
    {
        EpmdTags.Alive2Request => HandleAlive2Async(connection, request),
        EpmdTags.PortPlease2Request => HandlePortPlease2Async(connection, request),
        EpmdTags.NamesRequest => HandleNamesAsync(connection),
        EpmdTags.DumpRequest => HandleDumpAsync(connection),
        EpmdTags.KillRequest => HandleKillAsync(connection),
        EpmdTags.StopRequest => HandleStopAsync(connection, request),
        _ => Reject(),
    };

    /// <summary>Closes the connection without an answer, as epmd does with anything it does not like.</summary>
    private ValueTask<bool> Reject()
    {
        Counters.Rejected();
        return new(false);
    }

    /// <summary>
    /// A registration's connection carries nothing after ALIVE2. End of stream, an error or any byte at all
    /// ends the registration (epmd: "got more than expected on ALIVE socket").
    /// </summary>
    private async Task WatchRegistrationAsync(EpmdConnection connection, byte[] buffer)
    {
        var read = await connection.AsSocket().ReceiveAsync(buffer.AsMemory(0, EpmdLimits.InputBufferSize), SocketFlags.None).ConfigureAwait(false);
        if (read > 0)
        {
            Counters.Rejected();
        }
    }

    /// <summary>Sends an answer after which the connection stays open (ALIVE2's): false when the connection failed.</summary>
    private static ValueTask<bool> SendAsync(EpmdConnection connection, ReadOnlyMemory<byte> response) =>
        SendAsync(connection, response, closing: false);

    /// <summary>
    /// Sends the last answer of a connection the serve path closes right after (every request but ALIVE2):
    /// the answer and the FIN leave in one segment, so the asking node reads both with one wake-up.
    /// </summary>
    private static ValueTask<bool> SendLastAsync(EpmdConnection connection, ReadOnlyMemory<byte> response) =>
        SendAsync(connection, response, closing: true);

    private static async ValueTask<bool> SendAsync(EpmdConnection connection, ReadOnlyMemory<byte> response, bool closing)
    {
        try
        {
            // Answers are small: they nearly always fit the socket buffer at once, without the async engine.
            var sent = connection.TrySend(response.Span, closing);
            if (sent < 0)
            {
                return false;
            }
            if (sent < response.Length)
            {
                await connection.AsSocket().SendAsync(response[sent..], SocketFlags.None).ConfigureAwait(false);
            }
            return true;
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Calls the registry, bounded by <see cref="EpmdServerOptions.RegistryTimeout"/>. A store that throws
    /// (synchronously or not) or hangs costs the asking connection its answer, never the server. The call is
    /// a static lambda plus state, so the common, synchronous path allocates nothing.
    /// </summary>
    private async ValueTask<(bool Ok, T Value)> AskRegistryAsync<TState, T>(
        Func<IEpmdRegistry, TState, CancellationToken, ValueTask<T>> call, TState state, CancellationToken cancellationToken, bool countFailure = true)
    {
        try
        {
            var pending = call(_registry, state, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                return (true, pending.Result);
            }
            var value = await pending.AsTask().WaitAsync(_options.RegistryTimeout, cancellationToken).ConfigureAwait(false);
            return (true, value);
        }
#pragma warning disable CA1031 // Whatever a pluggable store throws must not take the server down.
        catch (Exception)
#pragma warning restore CA1031
        {
            if (countFailure)
            {
                Counters.RegistryFailure();
            }
            return (false, default!);
        }
    }
}
