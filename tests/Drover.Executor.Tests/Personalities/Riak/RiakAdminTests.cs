using Drover.Executor.Personalities;
using Drover.Executor.Personalities.Riak;
using Drover.Posix;
using static Drover.Executor.Tests.Personalities.Riak.RiakTestContext;

namespace Drover.Executor.Tests.Personalities.Riak;

/// <summary>What the admin operations run and how they report, with a recording runner instead of processes.</summary>
public class RiakAdminTests
{
    private readonly List<CommandRequest> _requests = [];
    private CommandResult _result = new(0, null, false, "done\n", TimeSpan.FromMilliseconds(5));

    private Task<CommandResult> Record(CommandRequest request, CancellationToken cancellation)
    {
        _requests.Add(request);
        return Task.FromResult(_result);
    }

    private AdminOperation Operation(string name, PersonalityContext? context = null) =>
        new RiakPersonality(Record).Plan(context ?? Context()).AdminOperations.Single(o => o.Name == name);

    private static Dictionary<string, string> Arguments(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public async Task ClusterJoin_RunsRiakAdminWithTheNodeAsOneWord_InTheNodesEnvironment()
    {
        _result = _result with { Output = "Success: staged join request for 'riak1@agent1.example' to 'riak0@agent0.example'\n" };

        var result = await Operation("cluster-join").RunAsync(Arguments(("node", "riak0@agent0.example")), CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Equal("Success: staged join request for 'riak1@agent1.example' to 'riak0@agent0.example'", result.Output);
        var request = Assert.Single(_requests);
        Assert.Equal("/opt/riak/bin/riak-admin", request.Executable);
        Assert.Equal(["/opt/riak/bin/riak-admin", "cluster", "join", "riak0@agent0.example"], request.Arguments);
        Assert.Equal("/sandbox", request.WorkingDirectory);
        Assert.Equal(RiakPersonality.AdminOutputBytes, request.MaxOutputBytes);
        var environment = request.Environment.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("31369", environment["ERL_EPMD_PORT"]);
        Assert.Equal("/sandbox/drover/riak", environment["RUNNER_ETC_DIR"]);
        Assert.Equal("/usr/bin:/bin", environment["PATH"]);
    }

    [Theory]
    [InlineData("cluster-plan", new[] { "cluster", "plan" })]
    [InlineData("cluster-commit", new[] { "cluster", "commit" })]
    [InlineData("ringready", new[] { "ringready" })]
    public async Task FixedOperations_RunTheirCommand(string name, string[] command)
    {
        var result = await Operation(name).RunAsync(Arguments(), CancellationToken.None);

        Assert.True(result.Ok);
        Assert.Equal(["/opt/riak/bin/riak-admin", .. command], Assert.Single(_requests).Arguments);
    }

    [Fact]
    public async Task WithoutRiakAdmin_UsesRiakAdminSubcommand_AsRiak3Does()
    {
        await Operation("cluster-plan", Context(riakAdminInstalled: false)).RunAsync(Arguments(), CancellationToken.None);

        var request = Assert.Single(_requests);
        Assert.Equal("/opt/riak/bin/riak", request.Executable);
        Assert.Equal(["/opt/riak/bin/riak", "admin", "cluster", "plan"], request.Arguments);
    }

    [Fact]
    public async Task AdminCommand_FromConfig_OverridesTheFileTest()
    {
        await Operation("ringready", Context(Node(config: ("admin_command", "riak admin")))).RunAsync(Arguments(), CancellationToken.None);

        Assert.Equal(["/opt/riak/bin/riak", "admin", "ringready"], Assert.Single(_requests).Arguments);
    }

    [Fact]
    public async Task ClusterJoin_WithoutNode_IsNotRun()
    {
        var result = await Operation("cluster-join").RunAsync(Arguments(), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("argument 'node'", result.Output, StringComparison.Ordinal);
        Assert.Empty(_requests);
    }

    [Theory]
    [InlineData("riak0")]
    [InlineData("@host")]
    [InlineData("riak0@")]
    [InlineData("riak0@host; rm -rf /")]
    [InlineData("-f")]
    public async Task ClusterJoin_WithAnythingButANodeName_IsNotRun(string node)
    {
        var result = await Operation("cluster-join").RunAsync(Arguments(("node", node)), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("is not a Riak node name", result.Output, StringComparison.Ordinal);
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task UnexpectedArguments_AreRejected()
    {
        var result = await Operation("cluster-commit").RunAsync(Arguments(("force", "yes")), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("unexpected argument(s) 'force'", result.Output, StringComparison.Ordinal);
        Assert.Empty(_requests);
    }

    [Fact]
    public async Task Failure_ReportsTheCommandItsExitAndItsOutput()
    {
        _result = new CommandResult(1, null, false, "You must verify the plan with 'riak-admin cluster plan' before committing\n", TimeSpan.FromSeconds(1));

        var result = await Operation("cluster-commit").RunAsync(Arguments(), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal("riak-admin cluster commit exited with status 1: You must verify the plan with 'riak-admin cluster plan' before committing", result.Output);
    }

    [Fact]
    public async Task RingReadyFalse_IsAFailure_EvenWithStatusZero()
    {
        _result = _result with { Output = "FALSE ['riak2@agent2.example'] down.  All nodes need to be up to check.\n" };

        var result = await Operation("ringready").RunAsync(Arguments(), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Contains("FALSE ['riak2@agent2.example'] down.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timeout_AndNoOutput_AreSaid()
    {
        _result = new CommandResult(null, 9, true, "", TimeSpan.FromSeconds(60));

        var result = await Operation("cluster-join").RunAsync(Arguments(("node", "riak0@agent0")), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.Equal("riak-admin cluster join riak0@agent0 timed out after 60s: (no output)", result.Output);
    }

    [Fact]
    public async Task CommandThatCannotStart_IsAFailureNotAnException()
    {
        var operation = new RiakPersonality((_, _) => throw new ProcessSpawnException("/opt/riak/bin/riak-admin", 2, "not found"))
            .Plan(Context()).AdminOperations.Single(o => o.Name == "ringready");

        var result = await operation.RunAsync(Arguments(), CancellationToken.None);

        Assert.False(result.Ok);
        Assert.StartsWith("riak-admin ringready could not be started: ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Timeouts_AreBounded()
    {
        var operations = new RiakPersonality(Record).Plan(Context()).AdminOperations;

        Assert.All(operations, o => Assert.InRange(o.Timeout, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2)));
    }
}
