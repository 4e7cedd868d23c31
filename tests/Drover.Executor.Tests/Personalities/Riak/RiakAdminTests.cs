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
    [InlineData("cluster-leave", new[] { "cluster", "leave" })]
    [InlineData("transfers", new[] { "transfers" })]
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
    public async Task ForceRemoveAndForceReplace_PassNodeNamesAsWords_AndRefuseAnythingElse()
    {
        var remove = await Operation("cluster-force-remove").RunAsync(Arguments(("node", "riak3@agent3.example")), CancellationToken.None);
        var replace = await Operation("cluster-force-replace").RunAsync(Arguments(("node", "riak2@old.example"), ("with", "riak2@new.example")), CancellationToken.None);
        var optionLike = await Operation("cluster-force-remove").RunAsync(Arguments(("node", "--all")), CancellationToken.None);
        var half = await Operation("cluster-force-replace").RunAsync(Arguments(("node", "riak2@old.example")), CancellationToken.None);
        var extra = await Operation("cluster-force-remove").RunAsync(Arguments(("node", "riak3@agent3.example"), ("force", "yes")), CancellationToken.None);

        Assert.True(remove.Ok);
        Assert.True(replace.Ok);
        Assert.Equal(["/opt/riak/bin/riak-admin", "cluster", "force-remove", "riak3@agent3.example"], _requests[0].Arguments);
        Assert.Equal(["/opt/riak/bin/riak-admin", "cluster", "force-replace", "riak2@old.example", "riak2@new.example"], _requests[1].Arguments);
        Assert.False(optionLike.Ok);
        Assert.Contains("'node' must be a Riak node name", optionLike.Output, StringComparison.Ordinal);
        Assert.False(half.Ok);
        Assert.Contains("'with'", half.Output, StringComparison.Ordinal);
        Assert.False(extra.Ok);
        Assert.Contains("unexpected argument(s) 'force'", extra.Output, StringComparison.Ordinal);
        Assert.Equal(2, _requests.Count);
    }

    [Fact]
    public async Task WithTheEpmdModule_AdminCommandsLoadItToo()
    {
        var context = Context(Node(config: ("otp_release", "25")), environment: new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["PATH"] = "/usr/bin:/bin",
            ["DROVER_EPMD_MODULE_DIR"] = "/opt/drover",
        }, beams: ["/opt/drover/drover_epmd.beam"]);

        await Operation("ringready", context).RunAsync(Arguments(), CancellationToken.None);

        var environment = Assert.Single(_requests).Environment.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("-epmd_module drover_epmd -pa /opt/drover", environment["ERL_FLAGS"]);
    }

    [Fact]
    public void Timeouts_AreBounded()
    {
        var operations = new RiakPersonality(Record).Plan(Context()).AdminOperations;

        Assert.All(operations, o => Assert.InRange(o.Timeout, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(2)));
    }
}
