using System.Globalization;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Drover.Scheduler.State;

namespace Drover.Scheduler.Plans.Riak;

/// <summary>
/// A Riak KV cluster, as riak-mesos ran it:
/// <list type="bullet">
/// <item>nodes spread over as many agents as there are before any agent gets a second;</item>
/// <item>each new node, running and healthy, stages <c>cluster join</c> to a member; then one <c>cluster plan</c>
/// and one <c>cluster commit</c> for the batch; <c>ringready</c> before the plan is complete. A node placed afresh
/// on another host (a new Erlang name) joins and stages <c>cluster force-replace</c> of its old name;</item>
/// <item>scale down: <c>cluster leave</c> (a node that does not run: <c>cluster force-remove</c>), plan, commit,
/// then the leaving nodes hand their partitions off and stop by themselves; then their reservations go;</item>
/// <item>from OTP 21 (<c>riak.otp_release</c>) the nodes load Drover's EPMD module, so every task's epmd port is
/// its own (NodeSpec.config <c>otp_release</c> tells the executor's personality).</item>
/// </list>
/// </summary>
public sealed class RiakPlanner : ServicePlanner
{
    public const string Join = "join";
    public const string Replace = "replace";
    public const string StagePlan = "plan";
    public const string Commit = "commit";
    public const string RingReady = "ringready";
    public const string Leave = "leave";
    public const string Transfers = "transfers";

    /// <summary>NodeSpec.config key the Riak personality reads to load the EPMD module.</summary>
    public const string OtpReleaseKey = "otp_release";

    private static readonly TimeSpan StagingRetry = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(5);
    private const int StagingAttempts = 6;
    private const int RingReadyAttempts = 120;
    private const int TransferPolls = 720;

    public override bool SpreadAcrossAgents => true;

    public override Plan DeployPlan(PlanningContext context, Plan? old)
    {
        var steps = DeployPlans.OldSteps(old);
        var count = DeployPlans.WantedCount(context.Cluster);
        var names = Enumerable.Range(0, count).Select(i => DeployPlans.NodeName(context.Cluster.Name, i)).ToList();
        Step Make(string name, StepAction action) => DeployPlans.Carry(steps, new Step { Name = name, Action = action });

        var phases = new List<Phase>();
        DeployPlans.AddPhase(phases, "nodes", Strategy.Serial, [.. names.Select(n => Make(n, new RunNode(n)))]);
        var join = new List<Step>();
        foreach (var name in names)
        {
            join.Add(Make($"join-{name}", new ServiceStep(name, Join)));
            join.Add(Make($"replace-{name}", new ServiceStep(name, Replace)));
        }

        DeployPlans.AddPhase(phases, "join", Strategy.Serial, join);
        if (count > 0)
        {
            DeployPlans.AddPhase(phases, "commit", Strategy.Serial,
                [Make("plan", new ServiceStep(null, StagePlan)), Make("commit", new ServiceStep(null, Commit)), Make("ringready", new ServiceStep(null, RingReady))]);
        }

        var surplus = context.Nodes.Where(n => n.Index >= count).OrderByDescending(n => n.Index).ToList();
        if (surplus.Count > 0 && count > 0)
        {
            // Leaving hands partitions to the nodes that stay; a cluster going away entirely has none to hand them to.
            var leave = surplus.Select(n => Make($"leave-{n.Name}", new ServiceStep(n.Name, Leave, Leaves: true))).ToList();
            leave.Add(Make("leave-plan", new ServiceStep(null, StagePlan)));
            leave.Add(Make("leave-commit", new ServiceStep(null, Commit)));
            leave.Add(Make("transfers", new ServiceStep(null, Transfers)));
            DeployPlans.AddPhase(phases, "leave", Strategy.Serial, leave);
        }

        DeployPlans.AddPhase(phases, "scale-down", Strategy.Serial, [.. surplus.Select(n => Make($"remove-{n.Name}", new RemoveNode(n.Name, null)))]);
        return DeployPlans.Make(context, old, phases);
    }

    public override void Decorate(V1.NodeSpec nodeSpec, PlanningContext context, NodeRecord node)
    {
        if (context.Spec.Riak?.OtpRelease is { } otp)
        {
            nodeSpec.Config[OtpReleaseKey] = otp.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The node's Erlang name: the Riak personality names it &lt;node&gt;@&lt;agent host&gt;.</summary>
    public static string? ErlangName(NodeRecord node) => node.Hostname is { } host ? $"{node.Name}@{host}" : null;

    private static string NodeOf(string erlangName) => erlangName.Split('@', 2)[0];

    public static RiakState State(PlanningContext context) => context.Service.Riak ?? new RiakState();

    private static ServiceState With(PlanningContext context, RiakState state) => context.Service with { Riak = state };

    /// <summary>
    /// The member that runs plan, commit, ringready and transfers: the first healthy committed member that stays
    /// (the same one each time, so the plan it showed is the one it commits).
    /// </summary>
    private static NodeRecord? Claimant(PlanningContext context, RiakState state) =>
        context.HealthyMembers.OrderBy(n => n.Index).FirstOrDefault(n => ErlangName(n) is { } name && state.Members.Contains(name) && !state.Leaving.Contains(name));

    public override Prepared Prepare(Step step, ServiceStep action, PlanningContext context)
    {
        var state = State(context);
        var node = action.NodeName is { } subject ? context.Node(subject) : null;
        var claimant = Claimant(context, state);
        switch (action.Operation)
        {
            case Join:
            {
                if (node is null || !context.IsHealthy(node) || ErlangName(node) is not { } name)
                {
                    return new Prepared.Wait("waiting for the node to be running and healthy");
                }

                if (state.Members.Contains(name) || state.Joining.Contains(name))
                {
                    return new Prepared.Skip($"{name} is a member");
                }

                if (state.Members.Count == 0 && state.Joining.Count == 0)
                {
                    return new Prepared.Skip($"{name} founds the ring", With(context, state with { Members = [name] }));
                }

                return claimant is null
                    ? new Prepared.Wait("waiting for a healthy member to join")
                    : new Prepared.Send(node.Name, "cluster-join", new Dictionary<string, string> { ["node"] = ErlangName(claimant)! });
            }

            case Replace:
            {
                if (node is null || ErlangName(node) is not { } name)
                {
                    return new Prepared.Skip("the node is not placed");
                }

                var old = OldName(state, node, name);
                if (old is null || state.Replacing.ContainsKey(old))
                {
                    return new Prepared.Skip(old is null ? "nothing to replace" : $"replacing {old} is staged");
                }

                return claimant is null
                    ? new Prepared.Wait("waiting for a healthy member")
                    : new Prepared.Send(claimant.Name, "cluster-force-replace", new Dictionary<string, string> { ["node"] = old, ["with"] = name });
            }

            case StagePlan:
                if (!state.Staged)
                {
                    return new Prepared.Skip("nothing staged");
                }

                return claimant is null ? new Prepared.Wait("waiting for a healthy member") : new Prepared.Send(claimant.Name, "cluster-plan", new Dictionary<string, string>());
            case Commit:
                if (!state.Staged)
                {
                    return new Prepared.Skip("nothing staged");
                }

                return claimant is null ? new Prepared.Wait("waiting for a healthy member") : new Prepared.Send(claimant.Name, "cluster-commit", new Dictionary<string, string>());
            case RingReady:
                if (state.Members.Count == 0)
                {
                    return new Prepared.Skip("no ring yet");
                }

                return claimant is null ? new Prepared.Wait("waiting for a healthy member") : new Prepared.Send(claimant.Name, "ringready", new Dictionary<string, string>());
            case Leave:
                return PrepareLeave(context, state, node, claimant);
            case Transfers:
            {
                var handing = state.Transferring.Where(name => context.Node(NodeOf(name)) is { } n && n.Phase.HasTask() && ErlangName(n) == name).ToList();
                if (handing.Count == 0)
                {
                    return new Prepared.Skip(state.Transferring.Count == 0 ? "no node is leaving" : "the leaving nodes handed their partitions off and stopped",
                        state.Transferring.Count == 0 ? null : With(context, state with { Transferring = [] }));
                }

                if (step.Attempts >= TransferPolls)
                {
                    return new Prepared.Fail($"{string.Join(", ", handing)} still hand partitions off after {TransferPolls} checks");
                }

                return claimant is null ? new Prepared.Wait("waiting for a healthy member") : new Prepared.Send(claimant.Name, "transfers", new Dictionary<string, string>());
            }

            default:
                return base.Prepare(step, action, context);
        }
    }

    /// <summary>A committed member of the same node name at another host: the node was placed afresh and has a new Erlang name.</summary>
    private static string? OldName(RiakState state, NodeRecord node, string name) =>
        state.Members.FirstOrDefault(m => m != name && NodeOf(m) == node.Name);

    private static Prepared PrepareLeave(PlanningContext context, RiakState state, NodeRecord? node, NodeRecord? claimant)
    {
        var name = node is null ? null : ErlangName(node) ?? state.Members.FirstOrDefault(m => NodeOf(m) == node.Name);
        if (name is null || !state.Members.Contains(name))
        {
            return new Prepared.Skip("not a member of the ring");
        }

        if (state.Leaving.Contains(name) || state.Transferring.Contains(name))
        {
            return new Prepared.Skip($"{name} is leaving");
        }

        if (node is { Phase: NodePhase.Running or NodePhase.Leaving })
        {
            return new Prepared.Send(node.Name, "cluster-leave", new Dictionary<string, string>());
        }

        // It does not run: the ring drops it without a handoff (its partitions are rebuilt from the replicas).
        return claimant is null
            ? new Prepared.Wait("waiting for a healthy member to remove it")
            : new Prepared.Send(claimant.Name, "cluster-force-remove", new Dictionary<string, string> { ["node"] = name });
    }

    public override Settled Settle(Step step, ServiceStep action, PlanningContext context, AdminOperationState outcome, string output)
    {
        var state = State(context);
        var ok = outcome == AdminOperationState.Succeeded;
        var node = action.NodeName is { } subject ? context.Node(subject) : null;
        var name = node is null ? null : ErlangName(node);
        switch (action.Operation)
        {
            case Join:
                if (ok || output.Contains("already", StringComparison.OrdinalIgnoreCase))
                {
                    return new Settled.Done($"join of {name} staged", name is null ? null : With(context, state with { Joining = [.. state.Joining.Append(name).Distinct()] }));
                }

                return Staging(step, "cluster join", outcome, output);
            case Replace:
                if (ok && node is not null && name is not null && OldName(state, node, name) is { } old)
                {
                    return new Settled.Done($"replacement of {old} by {name} staged",
                        With(context, state with { Replacing = new Dictionary<string, string>(state.Replacing) { [old] = name } }));
                }

                return ok ? new Settled.Done("nothing to replace") : Staging(step, "cluster force-replace", outcome, output);
            case StagePlan:
                return ok ? new Settled.Done($"plan: {Brief(output)}") : Staging(step, "cluster plan", outcome, output);
            case Commit:
                if (!ok)
                {
                    return Staging(step, "cluster commit", outcome, output);
                }

                var members = state.Members
                    .Where(m => !state.Leaving.Contains(m) && !state.Replacing.ContainsKey(m))
                    .Concat(state.Joining).Concat(state.Replacing.Values).Distinct().ToList();
                return new Settled.Done($"committed: {members.Count} member(s)", With(context, new RiakState
                {
                    Members = members,
                    Transferring = [.. state.Transferring.Concat(state.Leaving).Distinct()],
                }));
            case RingReady:
                if (ok)
                {
                    return new Settled.Done($"ring ready: {Brief(output)}");
                }

                return step.Attempts + 1 < RingReadyAttempts
                    ? new Settled.Retry(PollEvery, $"ring not ready yet ({Brief(output)})")
                    : new Settled.Failed($"ring not ready after {RingReadyAttempts} checks: {Brief(output)}");
            case Leave:
                var leaving = name ?? (node is null ? null : state.Members.FirstOrDefault(m => NodeOf(m) == node.Name));
                if (ok && leaving is not null)
                {
                    return new Settled.Done($"leave of {leaving} staged", With(context, state with { Leaving = [.. state.Leaving.Append(leaving).Distinct()] }));
                }

                return Staging(step, "cluster leave", outcome, output);
            case Transfers:
                // Polled until the leaving nodes stop by themselves (Prepare sees it); the output says how far handoff is.
                return new Settled.Retry(PollEvery, $"handing off: {Brief(output)}");
            default:
                return base.Settle(step, action, context, outcome, output);
        }
    }

    private static Settled Staging(Step step, string what, AdminOperationState outcome, string output) =>
        step.Attempts + 1 < StagingAttempts
            ? new Settled.Retry(StagingRetry, $"{what} {outcome}: {Brief(output)}; trying again")
            : new Settled.Failed($"{what} {outcome}: {Brief(output)}");

    public override ServiceView? View(PlanningContext context)
    {
        var state = State(context);
        return new ServiceView
        {
            Riak = new RiakView
            {
                Members = state.Members,
                Joining = state.Joining,
                Leaving = state.Leaving,
                Replacing = state.Replacing,
                Transferring = state.Transferring,
                EpmdModule = ServiceKinds.UsesEpmdModule(context.Spec),
            },
        };
    }
}
