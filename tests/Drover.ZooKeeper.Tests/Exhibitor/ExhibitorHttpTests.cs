using System.Text;
using Drover.Testing;
using Drover.Testing.ZooKeeper;
using Drover.ZooKeeper.Exhibitor;

namespace Drover.ZooKeeper.Tests.Exhibitor;

/// <summary>The HTTP side of the poller against a real HTTP peer answering badly in every way we bound.</summary>
public sealed class ExhibitorHttpTests
{
    // Generous: on a loaded machine a good answer must not turn into a Timeout (only "slow" is meant to).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AGoodAnswer_GivesTheServers()
    {
        await using var standIn = ExhibitorStandIn.Start(ExhibitorAnswer.List(2181, "zk1", "zk2"));
        using var http = new ExhibitorHttp(Timeout);

        var servers = await http.GetServersAsync(new ServerAddress("127.0.0.1", standIn.Port), CancellationToken.None);

        Assert.Equal([new("zk1", 2181), new("zk2", 2181)], servers);
        Assert.Equal(1, standIn.RequestsTo("127.0.0.1"));
    }

    public static TheoryData<string, ExhibitorErrorKind> BadAnswers => new()
    {
        { "500", ExhibitorErrorKind.HttpStatus },
        { "hangup", ExhibitorErrorKind.Unreachable },
        { "too large, declared", ExhibitorErrorKind.TooLarge },
        { "too large, undeclared", ExhibitorErrorKind.TooLarge },
        { "slow", ExhibitorErrorKind.Timeout },
        { "not json", ExhibitorErrorKind.Malformed },
        { "wrong types", ExhibitorErrorKind.Malformed },
        { "empty list", ExhibitorErrorKind.EmptyList },
        { "cut short", ExhibitorErrorKind.Unreachable },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task ABadAnswer_IsAnErrorOfItsKind(string what, ExhibitorErrorKind kind)
    {
        var big = Encoding.UTF8.GetBytes($$"""{"servers":["a"],"port":1,"pad":"{{new string('x', ExhibitorList.MaxResponseBytes)}}"}""");
        var answer = what switch
        {
            "500" => new ExhibitorAnswer(500, "boom"u8.ToArray()),
            "hangup" => new ExhibitorAnswer(200, []) { Hangup = true },
            "too large, declared" => new ExhibitorAnswer(200, big),
            "too large, undeclared" => new ExhibitorAnswer(200, big) { DeclareLength = false },
            "slow" => ExhibitorAnswer.List(2181, "a") with { Delay = TimeSpan.FromSeconds(30) },
            "not json" => new ExhibitorAnswer(200, "<html>Exhibitor</html>"u8.ToArray()),
            "wrong types" => ExhibitorAnswer.Json("""{"servers":"zk1","port":"2181"}"""),
            "empty list" => ExhibitorAnswer.Json("""{"servers":[],"port":2181}"""),
            // Content-Length promises more than arrives before the close.
            _ => new ExhibitorAnswer(200, "{\"servers\":"u8.ToArray()) { ContentLength = 100 },
        };
        await using var standIn = ExhibitorStandIn.Start(answer);
        using var http = new ExhibitorHttp(what == "slow" ? TimeSpan.FromMilliseconds(300) : Timeout);

        var error = await Assert.ThrowsAsync<ExhibitorException>(
            () => http.GetServersAsync(new ServerAddress("127.0.0.1", standIn.Port), CancellationToken.None).Within(what, TimeSpan.FromSeconds(40)));

        Assert.Equal(kind, error.Kind);
    }

    [Fact]
    public async Task NobodyListening_IsUnreachable()
    {
        using var http = new ExhibitorHttp(Timeout);

        var error = await Assert.ThrowsAsync<ExhibitorException>(() => http.GetServersAsync(new ServerAddress("127.0.0.1", FreePort.Next()), CancellationToken.None));

        Assert.Equal(ExhibitorErrorKind.Unreachable, error.Kind);
    }
}
