using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Net.Tests;

public class ConnectionAdmissionTests
{
    private static readonly IPAddress A = IPAddress.Parse("10.0.0.1");
    private static readonly IPAddress B = IPAddress.Parse("10.0.0.2");

    private sealed class Connection
    {
        public ConnectionSlot Slot { get; set; } = null!;

        public bool Evicted { get; set; }
    }

    private static Connection? Admit(ConnectionAdmission admission, IPAddress peer)
    {
        var connection = new Connection();
        var slot = admission.TryAdmit(peer, () => connection.Evicted = true);
        if (slot is null)
        {
            return null;
        }
        connection.Slot = slot;
        return connection;
    }

    [Fact]
    public void BelowTheLimits_EveryoneIsAdmitted_AndNobodyEvicted()
    {
        var admission = new ConnectionAdmission(maxConnections: 3, maxPerAddress: 2);
        var all = new[] { Admit(admission, A), Admit(admission, A), Admit(admission, B) };
        Assert.All(all, c => Assert.False(c!.Evicted));
        Assert.Equal(3, admission.Count);
        Assert.Equal(3, admission.CountIn(ConnectionPhase.Waiting));
        Assert.Equal(0, admission.Evictions);
    }

    [Fact]
    public void AtTheLimit_TheIdleConnectionGoesFirst_ThenTheOldestWaiting()
    {
        var admission = new ConnectionAdmission(maxConnections: 3, maxPerAddress: 3);
        var oldest = Admit(admission, A)!;
        var idle = Admit(admission, A)!;
        var younger = Admit(admission, B)!;
        Assert.True(idle.Slot.Busy());
        Assert.True(idle.Slot.Idle());

        var first = Admit(admission, B)!;
        Assert.True(idle.Evicted);
        Assert.False(oldest.Evicted);
        Assert.Equal(ConnectionPhase.Evicted, idle.Slot.Phase);

        Admit(admission, B);
        Assert.True(oldest.Evicted);
        Assert.False(younger.Evicted);
        Assert.False(first.Evicted);
        Assert.Equal(3, admission.Count);
        Assert.Equal(2, admission.Evictions);
    }

    [Fact]
    public void ANewRequestOnAKeptConnection_WaitsBehindTheOthers()
    {
        var admission = new ConnectionAdmission(maxConnections: 2, maxPerAddress: 2);
        var kept = Admit(admission, A)!;
        var waiting = Admit(admission, A)!;
        kept.Slot.Busy();
        kept.Slot.Idle();
        kept.Slot.Waiting(); // the next request's first bytes arrive after the other started waiting

        Admit(admission, B);
        Assert.True(waiting.Evicted);
        Assert.False(kept.Evicted);
    }

    [Fact]
    public void BusyConnections_AreNeverEvicted_SoANewcomerIsRefused()
    {
        var admission = new ConnectionAdmission(maxConnections: 2, maxPerAddress: 2);
        var one = Admit(admission, A)!;
        var two = Admit(admission, B)!;
        Assert.True(one.Slot.Busy());
        Assert.True(two.Slot.Busy());

        Assert.Null(Admit(admission, B));
        Assert.False(one.Evicted || two.Evicted);
        Assert.Equal(1, admission.Refusals);

        one.Slot.Dispose();
        Assert.NotNull(Admit(admission, B));
    }

    [Fact]
    public void APeerAtItsCap_DisplacesOnlyItsOwn_EvenWhenAnotherWaitedLonger()
    {
        var admission = new ConnectionAdmission(maxConnections: 10, maxPerAddress: 2);
        var other = Admit(admission, B)!;
        var mine1 = Admit(admission, A)!;
        var mine2 = Admit(admission, A)!;

        Assert.NotNull(Admit(admission, A));
        Assert.True(mine1.Evicted);
        Assert.False(mine2.Evicted);
        Assert.False(other.Evicted);
        Assert.Equal(3, admission.Count);
    }

    [Fact]
    public void APeerAtItsCap_WithEveryConnectionBusy_IsRefused_ThoughSlotsAreFree()
    {
        var admission = new ConnectionAdmission(maxConnections: 10, maxPerAddress: 1);
        Admit(admission, A)!.Slot.Busy();
        Assert.Null(Admit(admission, A));
        Assert.NotNull(Admit(admission, B));
    }

    [Fact]
    public void IPv4MappedAddresses_CountAsTheirIPv4Peer()
    {
        var admission = new ConnectionAdmission(maxConnections: 10, maxPerAddress: 1);
        var plain = Admit(admission, A)!;
        Admit(admission, A.MapToIPv6());
        Assert.True(plain.Evicted);
    }

    [Fact]
    public void AnEvictedSlot_CannotBecomeBusy_AndLeavesOnce()
    {
        var admission = new ConnectionAdmission(maxConnections: 1, maxPerAddress: 1);
        var victim = Admit(admission, A)!;
        var newcomer = Admit(admission, A)!;
        Assert.True(victim.Evicted);
        Assert.False(victim.Slot.Busy());
        Assert.False(victim.Slot.Idle());
        victim.Slot.Dispose();
        victim.Slot.Dispose();
        Assert.Equal(1, admission.Count);
        newcomer.Slot.Dispose();
        Assert.Equal(0, admission.Count);
    }

    [Fact]
    public void RandomSequences_KeepEveryBound_AndEvictOnlyWhatWasNotBusy()
    {
        // Operations: 0..3 admit from one of four peers; 4..7 move a random open connection to a phase or close it.
        var property = Prop.ForAll(Arb.From(Gen.ArrayOf(Gen.Choose(0, 7).Zip(Gen.Choose(0, 1000)))), steps =>
        {
            var admission = new ConnectionAdmission(maxConnections: 5, maxPerAddress: 3);
            var peers = new[] { A, B, IPAddress.Parse("10.0.0.3"), IPAddress.IPv6Loopback };
            var open = new List<(Connection Connection, IPAddress Peer)>();
            foreach (var (op, pick) in steps)
            {
                open.RemoveAll(c => c.Connection.Evicted);
                if (op < 4)
                {
                    var busyBefore = open.Where(c => c.Connection.Slot.Phase == ConnectionPhase.Busy).Select(c => c.Connection).ToList();
                    if (Admit(admission, peers[op]) is { } admitted)
                    {
                        open.Add((admitted, peers[op]));
                    }
                    Assert.All(busyBefore, c => Assert.False(c.Evicted));
                }
                else if (open.Count > 0)
                {
                    var (connection, _) = open[pick % open.Count];
                    switch (op)
                    {
                        case 4: connection.Slot.Busy(); break;
                        case 5: connection.Slot.Idle(); break;
                        case 6: connection.Slot.Waiting(); break;
                        default:
                            connection.Slot.Dispose();
                            open.RemoveAll(c => c.Connection == connection);
                            break;
                    }
                }
                open.RemoveAll(c => c.Connection.Evicted);
                Assert.Equal(open.Count, admission.Count);
                Assert.InRange(admission.Count, 0, 5);
                Assert.All(open.GroupBy(c => c.Peer), g => Assert.InRange(g.Count(), 0, 3));
            }
        });
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(500), property);
    }
}
