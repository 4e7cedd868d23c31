using Drover.Drill.Exec;
using Drover.Executor.Personalities.Drill;
using FsCheck;
using FsCheck.Fluent;
using Google.Protobuf;

namespace Drover.Executor.Tests.Personalities.Drill;

public sealed class DrillRegistrationTests
{
    private const string Parent = "/drill/analytics";

    internal static byte[] Instance(string address, int userPort, DrillbitEndpoint.Types.State state, string id = "0b5e4c3a-1111-2222-3333-444455556666") =>
        new DrillServiceInstance
        {
            Id = id,
            RegistrationTimeUTC = 1_700_000_000_000,
            Endpoint = new DrillbitEndpoint
            {
                Address = address,
                UserPort = userPort,
                ControlPort = userPort + 1,
                DataPort = userPort + 2,
                HttpPort = 8047,
                Version = "1.21.2",
                State = state,
                Roles = new Roles(),
            },
        }.ToByteArray();

    [Fact]
    public void Instance_EncodesWithDrillsFieldNumbers()
    {
        // DrillServiceInstance{id=1 "x", registrationTimeUTC=2 5, endpoint=3 {address=1 "h", user_port=2 7, state=7 ONLINE}}
        var bytes = new DrillServiceInstance
        {
            Id = "x",
            RegistrationTimeUTC = 5,
            Endpoint = new DrillbitEndpoint { Address = "h", UserPort = 7, State = DrillbitEndpoint.Types.State.Online },
        }.ToByteArray();
        Assert.Equal(new byte[] { 0x0A, 1, (byte)'x', 0x10, 5, 0x1A, 7, 0x0A, 1, (byte)'h', 0x10, 7, 0x38, 1 }, bytes);
    }

    [Fact]
    public void Find_PicksThisNodesRegistrationByAddressAndUserPort()
    {
        RegistrationNode[] children =
        [
            new("a", Instance("other-host", 31010, DrillbitEndpoint.Types.State.Online)),
            new("b", Instance("agent-7", 41010, DrillbitEndpoint.Types.State.Online)),
            new("c", Instance("AGENT-7", 31010, DrillbitEndpoint.Types.State.Quiescent)),
        ];
        var lookup = DrillRegistration.Find(Parent, children, "agent-7", 31010);
        Assert.Equal($"{Parent}/c", lookup.FoundPath);
        Assert.False(lookup.IsOnline);
        Assert.Equal($"QUIESCENT at {Parent}/c", lookup.Describe());
    }

    [Fact]
    public void Find_WithoutTheParent_SaysNothingIsRegistered()
    {
        var lookup = DrillRegistration.Find(Parent, null, "agent-7", 31010);
        Assert.True(lookup.IsAbsent);
        Assert.Contains($"{Parent} does not exist", lookup.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void Find_WithGarbage_CountsItUnreadableAndSaysWhy()
    {
        RegistrationNode[] children =
        [
            new("junk", [0xFF, 0xFF, 0xFF]),
            new("ok", Instance("other", 1, DrillbitEndpoint.Types.State.Online)),
        ];
        var lookup = DrillRegistration.Find(Parent, children, "agent-7", 31010);
        Assert.False(lookup.IsOnline);
        Assert.Equal(1, lookup.Unreadable);
        var detail = lookup.Describe();
        Assert.Contains("not registered", detail, StringComparison.Ordinal);
        Assert.Contains("1 of 2 registrations unreadable", detail, StringComparison.Ordinal);
        Assert.Contains("junk: not a DrillServiceInstance", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_AtEveryTruncationPoint_ParsesOrSaysWhyWithoutThrowing()
    {
        var whole = Instance("agent-7", 31010, DrillbitEndpoint.Types.State.Online);
        for (var length = 0; length < whole.Length; length++)
        {
            var instance = DrillRegistration.TryParse(whole[..length], out var error);
            Assert.True(instance is null == error is not null, $"length {length}");
            if (instance is not null)
            {
                // A prefix that parses lost trailing fields, never gained any.
                Assert.True(instance.Endpoint.HasAddress && instance.Endpoint.HasUserPort);
            }
        }

        Assert.NotNull(DrillRegistration.TryParse(whole, out _));
    }

    [Fact]
    public void Find_WithRandomBytes_NeverThrowsAndNeverMatches()
    {
        var samples = ArbMap.Default.GeneratorFor<byte[]>();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(3000), Prop.ForAll(samples.ToArbitrary(), bytes =>
        {
            var lookup = DrillRegistration.Find(Parent, [new RegistrationNode("r", bytes)], "agent-7", 31010);
            _ = lookup.Describe();
            return !lookup.IsOnline && (lookup.Unreadable == 1) == (lookup.FirstError is not null);
        }));
    }

    [Fact]
    public void Find_WithEveryByteOfAValidRegistrationFlipped_NeverThrows()
    {
        var whole = Instance("agent-7", 31010, DrillbitEndpoint.Types.State.Online);
        for (var i = 0; i < whole.Length; i++)
        {
            foreach (var value in new byte[] { 0x00, 0x7F, 0x80, 0xFF })
            {
                var mutated = (byte[])whole.Clone();
                mutated[i] = value;
                var lookup = DrillRegistration.Find(Parent, [new RegistrationNode("r", mutated)], "agent-7", 31010);
                Assert.False(string.IsNullOrEmpty(lookup.Describe()));
            }
        }
    }

    [Fact]
    public void ParseStatus_ReadsDrillsJsonAndNamesAnythingElse()
    {
        Assert.True(DrillHttp.ParseStatus("{\n  \"status\" : \"Running!\"\n}").Ok);
        Assert.Contains("'Starting'", DrillHttp.ParseStatus("{\"status\":\"Starting\"}").Detail, StringComparison.Ordinal);
        Assert.Contains("no \"status\" string", DrillHttp.ParseStatus("{\"state\":\"Running!\"}").Detail, StringComparison.Ordinal);
        Assert.Contains("not JSON", DrillHttp.ParseStatus("<html>Running!</html>").Detail, StringComparison.Ordinal);
        Assert.Contains("not JSON", DrillHttp.ParseStatus(new string('[', 100) + new string(']', 100)).Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseStatus_WithRandomText_NeverThrows()
    {
        var samples = ArbMap.Default.GeneratorFor<string>();
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(2000), Prop.ForAll(samples.ToArbitrary(), text =>
            !DrillHttp.ParseStatus(text ?? "").Ok || (text ?? "").Contains("Running!", StringComparison.Ordinal)));
    }
}
