using Drover.Mesos.Resources;
using Drover.Mesos.V1;
using Event = Drover.Mesos.V1.Scheduler.Event;

namespace Drover.LocalMesos.Master;

internal sealed partial class MasterCore
{
    /// <summary>Asks for an allocation on the loop as soon as it is free (a subscription, a REVIVE, resources back).</summary>
    private void AllocateSoon()
    {
        if (!_allocationSoon)
        {
            _allocationSoon = true;
            Loop.Post(Allocate);
        }
    }

    /// <summary>
    /// One allocation round, as the hierarchical allocator does it for one framework per role at a time: each active
    /// agent's free resources go, per (framework, role) in a rotating order, as the resources reserved to that role plus
    /// the unreserved ones (to the first taker), unless the role is suppressed or a refuse filter covers them. One
    /// OFFERS event per framework per round; resources and offers carry allocation_info.role.
    /// </summary>
    private void Allocate()
    {
        _allocationSoon = false;
        var connected = _frameworks.Values.Where(f => f.Connected).ToList();
        if (connected.Count == 0)
        {
            return;
        }

        var now = Now;
        foreach (var framework in connected)
        {
            framework.Filters.RemoveAll(f => f.Until <= now);
        }

        var start = _allocationRound++ % connected.Count;
        var order = connected.Skip(start).Concat(connected.Take(start)).ToList();
        var batches = new Dictionary<FrameworkRecord, List<Offer>>();
        foreach (var agent in _agentOrder)
        {
            if (agent.State != AgentState.Active || agent.Free.IsEmpty)
            {
                continue;
            }

            var unreservedTaken = false;
            foreach (var framework in order)
            {
                foreach (var role in framework.Roles)
                {
                    if (framework.Suppressed.Contains(role))
                    {
                        continue;
                    }

                    var reserved = agent.Free.Where(r => r.IsReserved() && r.ReservationRole() == role);
                    var unreserved = unreservedTaken ? ResourceSet.Empty : agent.Free.Where(r => !r.IsReserved());
                    var offerable = reserved.Plus(unreserved);
                    if (offerable.IsEmpty || framework.Filters.Any(f => f.AgentId == agent.Id && f.Role == role && f.Refused.Contains(offerable)))
                    {
                        continue;
                    }

                    unreservedTaken |= !unreserved.IsEmpty;
                    agent.Free = agent.Free.Minus(offerable);
                    var offer = NewOffer(framework, agent, role, offerable);
                    _offers.Add(offer.Id.Value, offer);
                    if (!batches.TryGetValue(framework, out var batch))
                    {
                        batches[framework] = batch = [];
                    }

                    batch.Add(offer);
                }
            }
        }

        foreach (var (framework, offers) in batches)
        {
            var @event = new Event { Type = Event.Types.Type.Offers, Offers = new Event.Types.Offers() };
            @event.Offers.Offers_.Add(offers);
            Send(framework, @event);
        }
    }

    private Offer NewOffer(FrameworkRecord framework, EmulatedAgent agent, string role, ResourceSet resources)
    {
        var offer = new Offer
        {
            Id = new OfferID { Value = $"{MasterId}-O{_nextOffer++}" },
            FrameworkId = new FrameworkID { Value = framework.Id },
            AgentId = agent.Info.Id.Clone(),
            Hostname = agent.Hostname,
            Url = new URL
            {
                Scheme = "http",
                Address = new Address { Hostname = agent.Hostname, Ip = agent.Hostname, Port = agent.Info.Port },
                Path = "/slave(1)",
            },
            AllocationInfo = Allocation(role),
        };
        foreach (var resource in resources)
        {
            resource.AllocationInfo = Allocation(role);
            offer.Resources.Add(resource);
        }

        offer.Attributes.Add(agent.Info.Attributes);
        foreach (var executor in agent.Executors.Values.Where(e => e.FrameworkId == framework.Id))
        {
            offer.ExecutorIds.Add(executor.Info.ExecutorId.Clone());
        }

        return offer;
    }

    /// <summary>Takes an offer back: its resources are free again; with <paramref name="filters"/> (a DECLINE) they are refused for a while.</summary>
    private void RemoveOffer(Offer offer, Filters? filters)
    {
        if (!_offers.Remove(offer.Id.Value))
        {
            return;
        }

        var resources = Unallocated(offer.Resources);
        if (_agents.TryGetValue(offer.AgentId.Value, out var agent))
        {
            agent.Free = agent.Free.Plus(resources);
        }

        if (filters is not null && filters.RefuseSeconds > 0 && Framework(offer.FrameworkId.Value) is { } framework)
        {
            var seconds = Math.Min(filters.RefuseSeconds, TimeSpan.FromDays(365).TotalSeconds);
            framework.Filters.Add(new OfferFilter(offer.AgentId.Value, offer.AllocationInfo?.Role ?? "*", resources, Now + TimeSpan.FromSeconds(seconds)));
        }
    }

    /// <summary>Every outstanding offer of the framework taken back, with RESCIND events if <paramref name="rescind"/>.</summary>
    private void RecoverOffersOf(FrameworkRecord framework, bool rescind)
    {
        foreach (var offer in _offers.Values.Where(o => o.FrameworkId.Value == framework.Id).ToArray())
        {
            Rescind(offer, rescind);
        }
    }

    private void Rescind(Offer offer, bool sendEvent)
    {
        RemoveOffer(offer, filters: null);
        if (sendEvent && Framework(offer.FrameworkId.Value) is { } framework)
        {
            Send(framework, new Event { Type = Event.Types.Type.Rescind, Rescind = new Event.Types.Rescind { OfferId = offer.Id.Clone() } });
        }
    }

    private static ResourceSet Unallocated(IEnumerable<Resource> resources) => ResourceSet.Of(resources.Select(r => r.WithoutAllocation()));
}
