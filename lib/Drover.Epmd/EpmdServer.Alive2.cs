using Drover.Epmd.Protocol;

namespace Drover.Epmd;

public sealed partial class EpmdServer
{
    /// <summary>
    /// ALIVE2_REQ: register, answer with the creation, and keep the connection as the registration's life.
    /// A refusal (duplicate, name or extra not acceptable) is answered with result 1 and creation 99, and
    /// epmd keeps that connection open too, until the node closes it.
    /// </summary>
    private async ValueTask<bool> HandleAlive2Async(EpmdConnection connection, ReadOnlyMemory<byte> request)
    {
        if (!connection.IsLocalPeer)
        {
            return await Reject().ConfigureAwait(false);
        }
        var status = Alive2Request.TryParse(request.Span, out var alive, out var highestVersion);
        if (status == EpmdParseStatus.Malformed)
        {
            return await Reject().ConfigureAwait(false);
        }
        if (status == EpmdParseStatus.Refused)
        {
            return await RefuseAsync(connection, highestVersion).ConfigureAwait(false);
        }
        var registration = new NodeRegistration(
            alive!.Name, alive.Port, alive.NodeType, alive.Protocol, alive.HighestVersion, alive.LowestVersion, alive.Extra, Host: _options.Host);
        var token = RegistrationToken.New();
        var (ok, result) = await AskRegistryAsync(
            static (registry, state, cancel) => registry.TryRegisterAsync(state.registration, state.token, cancel),
            (registration, token),
            _stopping.Token).ConfigureAwait(false);
        if (!ok)
        {
            // The store failed or was too slow; it may still complete the write later. Withdraw it by token,
            // so no registration outlives this connection (a store that never wrote it answers false).
            await AskRegistryAsync(
                static (registry, state, cancel) => registry.UnregisterAsync(state.registration.Host, state.registration.Name, state.token, cancel),
                (registration, token),
                CancellationToken.None,
                countFailure: false).ConfigureAwait(false);
            return false;
        }
        if (result is not RegistrationResult.Registered registered)
        {
            return await RefuseAsync(connection, highestVersion).ConfigureAwait(false);
        }
        Hold(connection, registered.Registration, token);
        // If this send fails the connection ends, and with it (in ServeAsync) the registration: epmd does the same.
        if (!await SendAsync(connection, EpmdResponses.Alive2(registered: true, registered.Creation, highestVersion)).ConfigureAwait(false))
        {
            return false;
        }
        connection.Keep();
        return true;
    }

    private async ValueTask<bool> RefuseAsync(EpmdConnection connection, ushort highestVersion)
    {
        Counters.RegistrationRefused();
        if (!await SendAsync(connection, EpmdResponses.Alive2(registered: false, EpmdLimits.RefusedCreation, highestVersion)).ConfigureAwait(false))
        {
            return false;
        }
        connection.Keep();
        return true;
    }

    private void Hold(EpmdConnection connection, NodeRegistration registration, RegistrationToken token)
    {
        lock (_gate)
        {
            connection.Hold(registration, token);
            _held[registration.Name] = connection;
            _retired.Registered(registration.Name);
        }
        Counters.Registered();
    }

    /// <summary>
    /// The store lost a registration it had accepted (e.g. the name was taken while ZooKeeper replaced its
    /// session): close the connection that holds it, if it is one of ours, so the Erlang node learns it is no
    /// longer registered. The serve path then unregisters by token, which leaves the new holder alone.
    /// </summary>
    private void OnRegistrationLost(object? sender, RegistrationLostEventArgs lost)
    {
        EpmdConnection? holder;
        lock (_gate)
        {
            if (!_held.TryGetValue(lost.Registration.Name, out holder) || !holder.Holds(lost.Token))
            {
                return;
            }
        }
        Counters.RegistrationLost();
        holder.Close();
    }

    /// <summary>Ends the registration <paramref name="connection"/> holds, if any; once, whoever calls first.</summary>
    private async ValueTask EndRegistrationAsync(EpmdConnection connection)
    {
        if (connection.Release() is not var (registration, token))
        {
            return;
        }
        lock (_gate)
        {
            if (_held.TryGetValue(registration.Name, out var holder) && holder == connection)
            {
                _held.Remove(registration.Name);
            }
            _retired.Retire(registration.Name, registration.Port, connection.Fd);
        }
        Counters.Unregistered();
        // Not cancelled by stopping: a stopping server must still clear what it registered.
        await AskRegistryAsync(
            static (registry, state, cancel) => registry.UnregisterAsync(state.registration.Host, state.registration.Name, state.token, cancel),
            (registration, token),
            CancellationToken.None).ConfigureAwait(false);
    }
}
