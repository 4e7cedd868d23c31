using Drover.ZooKeeper.Exhibitor;

namespace Drover.ZooKeeper.Tests.Exhibitor;

/// <summary>The poller's decisions, one poll at a time, with a scripted Exhibitor (no clock, no network).</summary>
public sealed class ExhibitorPollerTests
{
    private static readonly ServerAddress SeedA = new("seed-a", 8080);
    private static readonly ServerAddress SeedB = new("seed-b", 8081);

    [Fact]
    public async Task TheFirstAnswer_IsAChange_AndTheSameAnswerAgainIsNot()
    {
        var exhibitor = new ScriptedExhibitor { [SeedA] = List(2181, "zk1", "zk2") };
        var listener = new RecordingListener();
        var poller = NewPoller([SeedA], exhibitor, listener);

        await poller.PollAsync(CancellationToken.None);
        exhibitor[new ServerAddress("zk1", 8080)] = List(2181, "zk2", "zk1");
        exhibitor[new ServerAddress("zk2", 8080)] = List(2181, "zk2", "zk1");
        await poller.PollAsync(CancellationToken.None);

        Assert.Equal([[new("zk1", 2181), new("zk2", 2181)]], listener.Changes);
        Assert.Empty(listener.Failures);
    }

    [Fact]
    public async Task AfterAnAnswer_TheInstancesBesideTheListedServersAreAskedFirst_OnTheAnsweringPort()
    {
        var exhibitor = new ScriptedExhibitor { [SeedB] = List(2181, "zk1", "zk2") };
        exhibitor[new ServerAddress("zk1", 8081)] = List(2181, "zk1", "zk2", "zk3");
        exhibitor[new ServerAddress("zk2", 8081)] = List(2181, "zk1", "zk2", "zk3");
        var listener = new RecordingListener();
        var poller = NewPoller([SeedB], exhibitor, listener);

        await poller.PollAsync(CancellationToken.None);
        exhibitor.Asked.Clear();
        await poller.PollAsync(CancellationToken.None);

        Assert.Single(exhibitor.Asked);
        Assert.Contains(exhibitor.Asked[0], new[] { new ServerAddress("zk1", 8081), new ServerAddress("zk2", 8081) });
        Assert.Equal(3, listener.Changes[^1].Count);
    }

    [Fact]
    public async Task WhenNoInstanceAnswers_TheLastKnownListStays_AndEveryFailureIsReported()
    {
        var exhibitor = new ScriptedExhibitor { [SeedA] = List(2181, "zk1") };
        var listener = new RecordingListener();
        var poller = NewPoller([SeedA, SeedB], exhibitor, listener);
        await poller.PollAsync(CancellationToken.None);

        exhibitor.Clear();
        exhibitor.Failing[SeedA] = ExhibitorErrorKind.Malformed;
        exhibitor.Failing[SeedB] = ExhibitorErrorKind.Timeout;
        exhibitor.Failing[new ServerAddress("zk1", 8080)] = ExhibitorErrorKind.Unreachable;
        exhibitor.Asked.Clear();
        await poller.PollAsync(CancellationToken.None);

        Assert.Single(listener.Changes);
        var failure = Assert.Single(listener.Failures);
        Assert.Equal(
            [ExhibitorErrorKind.Unreachable, ExhibitorErrorKind.Timeout, ExhibitorErrorKind.Malformed],
            failure.InnerExceptions.Cast<ExhibitorException>().Select(e => e.Kind).Order());
        // The instance beside the known server was asked first, then the configured ones.
        Assert.Equal(new ServerAddress("zk1", 8080), exhibitor.Asked[0]);
        Assert.Equal(3, exhibitor.Asked.Count);
    }

    [Fact]
    public async Task WhenTheFollowedInstancesFail_TheConfiguredOnesAreAsked()
    {
        var exhibitor = new ScriptedExhibitor { [SeedA] = List(2181, "old") };
        var listener = new RecordingListener();
        var poller = NewPoller([SeedA], exhibitor, listener);
        await poller.PollAsync(CancellationToken.None);

        // The whole ensemble was replaced: the old host's Exhibitor is gone, the configured one knows the new hosts.
        exhibitor.Failing[new ServerAddress("old", 8080)] = ExhibitorErrorKind.Unreachable;
        exhibitor[SeedA] = List(2181, "new1", "new2");
        await poller.PollAsync(CancellationToken.None);

        Assert.Equal([new("new1", 2181), new("new2", 2181)], listener.Changes[^1]);
        Assert.Empty(listener.Failures);
    }

    [Fact]
    public async Task BeforeAnyAnswer_AFailedPollSaysNoServerIsKnown()
    {
        var exhibitor = new ScriptedExhibitor();
        exhibitor.Failing[SeedA] = ExhibitorErrorKind.HttpStatus;
        var listener = new RecordingListener();

        await NewPoller([SeedA], exhibitor, listener).PollAsync(CancellationToken.None);

        Assert.Empty(listener.Changes);
        Assert.Contains("no server is known yet", Assert.Single(listener.Failures).Message, StringComparison.Ordinal);
    }

    private static ExhibitorPoller NewPoller(IReadOnlyList<ServerAddress> seeds, ScriptedExhibitor exhibitor, RecordingListener listener) =>
        new(seeds, exhibitor, listener, TimeSpan.FromSeconds(1), TimeProvider.System, new Random(7));

    private static List<ServerAddress> List(int port, params string[] hosts) => [.. hosts.Select(h => new ServerAddress(h, port))];

    private sealed class ScriptedExhibitor : Dictionary<ServerAddress, List<ServerAddress>>, IExhibitorClient
    {
        public Dictionary<ServerAddress, ExhibitorErrorKind> Failing { get; } = [];

        public List<ServerAddress> Asked { get; } = [];

        public Task<IReadOnlyList<ServerAddress>> GetServersAsync(ServerAddress exhibitor, CancellationToken cancellationToken)
        {
            Asked.Add(exhibitor);
            if (!Failing.TryGetValue(exhibitor, out var kind) && TryGetValue(exhibitor, out var servers))
            {
                return Task.FromResult<IReadOnlyList<ServerAddress>>(servers);
            }
            return Task.FromException<IReadOnlyList<ServerAddress>>(new ExhibitorException(Failing.GetValueOrDefault(exhibitor, ExhibitorErrorKind.Unreachable), $"{exhibitor} fails"));
        }
    }

    private sealed class RecordingListener : IEnsembleListener
    {
        public List<IReadOnlyList<ServerAddress>> Changes { get; } = [];

        public List<AggregateException> Failures { get; } = [];

        public void OnServersChanged(IReadOnlyList<ServerAddress> servers) => Changes.Add(servers);

        public void OnPollFailed(AggregateException failures) => Failures.Add(failures);
    }
}
