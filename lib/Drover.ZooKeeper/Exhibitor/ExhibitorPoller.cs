namespace Drover.ZooKeeper.Exhibitor;

/// <summary>What the poller tells the session (from the poller's loop).</summary>
internal interface IEnsembleListener
{
    /// <summary>Exhibitor listed a different set of servers (the first answer counts as a change).</summary>
    void OnServersChanged(IReadOnlyList<ServerAddress> servers);

    /// <summary>No Exhibitor instance gave a usable list this round; the last known list stays.</summary>
    void OnPollFailed(AggregateException failures);
}

/// <summary>
/// The loop that follows the ensemble through Exhibitor: asks at once, then every poll interval (after
/// the previous poll finished, as Curator's scheduleWithFixedDelay), trying instances in turn until one
/// answers with a usable list. It owns <see cref="ExhibitorTargets"/>; its effects go through
/// <see cref="IEnsembleListener"/> and its clock is a <see cref="TimeProvider"/>.
/// </summary>
internal sealed class ExhibitorPoller(
    IReadOnlyList<ServerAddress> exhibitors, IExhibitorClient client, IEnsembleListener listener, TimeSpan interval, TimeProvider time, Random random)
{
    private readonly ExhibitorTargets _targets = new(exhibitors);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await PollAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client is finished.
        }
    }

    /// <summary>One round: the first usable answer wins; if none comes, the listener hears every failure.</summary>
    public async Task PollAsync(CancellationToken cancellationToken)
    {
        var failures = new List<ExhibitorException>();
        foreach (var exhibitor in _targets.Candidates(random))
        {
            IReadOnlyList<ServerAddress> servers;
            try
            {
                servers = await client.GetServersAsync(exhibitor, cancellationToken).ConfigureAwait(false);
            }
            catch (ExhibitorException e)
            {
                failures.Add(e);
                continue;
            }
            if (_targets.Answered(exhibitor, servers))
            {
                listener.OnServersChanged(_targets.Servers);
            }
            return;
        }
        var known = _targets.Servers.Count == 0 ? "no server is known yet" : $"keeping the last known servers {string.Join(",", _targets.Servers)}";
        listener.OnPollFailed(new AggregateException($"No Exhibitor instance gave a list of servers; {known}.", failures));
    }
}
