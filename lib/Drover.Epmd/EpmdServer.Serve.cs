using System.Buffers;
using System.Net.Sockets;
using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    private async Task ServeAsync(EpmdConnection connection)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(EpmdLimits.InputBufferSize);
        try
        {
            int received = await ReceiveRequestAsync(connection, buffer).ConfigureAwait(false);
            if (received > 0 && await HandleAsync(connection, buffer.AsMemory(2, received - 2)).ConfigureAwait(false))
            {
                await WatchRegistrationAsync(connection, buffer).ConfigureAwait(false);
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The peer left, the sweeper or a STOP_REQ closed the socket, or the server is stopping.
        }
        finally
        {
            await EndRegistrationAsync(connection).ConfigureAwait(false);
            connection.Close();
            _connections.TryRemove(connection.Id, out _);
            Counters.ConnectionClosed();
            ArrayPool<byte>.Shared.Return(buffer);
            Leave();
        }
    }

    /// <summary>Reads one frame into <paramref name="buffer"/>; its total size, or -1 when the connection ends without one.</summary>
    private async ValueTask<int> ReceiveRequestAsync(EpmdConnection connection, byte[] buffer)
    {
        int received = 0;
        while (true)
        {
            int size = EpmdFrameReader.NextReadSize(buffer.AsSpan(0, received));
            int read = await connection.Socket.ReceiveAsync(buffer.AsMemory(received, size), SocketFlags.None).ConfigureAwait(false);
            if (read == 0)
            {
                if (received > 0)
                {
                    Counters.Rejected(); // half a request, then the peer closed
                }
                return -1;
            }
            received += read;
            connection.Touch();
            switch (EpmdFrameReader.TryRead(buffer.AsSpan(0, received), out _))
            {
                case EpmdFrameStatus.Complete:
                    return received;
                case EpmdFrameStatus.Incomplete:
                    continue;
                default:
                    Counters.Rejected();
                    return -1;
            }
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
        int read = await connection.Socket.ReceiveAsync(buffer.AsMemory(0, EpmdLimits.InputBufferSize), SocketFlags.None).ConfigureAwait(false);
        if (read > 0)
        {
            Counters.Rejected();
        }
    }

    private static async ValueTask<bool> SendAsync(EpmdConnection connection, ReadOnlyMemory<byte> response)
    {
        try
        {
            await connection.Socket.SendAsync(response, SocketFlags.None).ConfigureAwait(false);
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
        Func<IEpmdRegistry, TState, CancellationToken, ValueTask<T>> call, TState state, CancellationToken cancellationToken)
    {
        try
        {
            ValueTask<T> pending = call(_registry, state, cancellationToken);
            if (pending.IsCompletedSuccessfully)
            {
                return (true, pending.Result);
            }
            T value = await pending.AsTask().WaitAsync(_options.RegistryTimeout, cancellationToken).ConfigureAwait(false);
            return (true, value);
        }
#pragma warning disable CA1031 // Whatever a pluggable store throws must not take the server down.
        catch (Exception)
#pragma warning restore CA1031
        {
            Counters.RegistryFailure();
            return (false, default!);
        }
    }
}
