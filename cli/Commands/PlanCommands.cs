using System.CommandLine;
using Drover.Cli.Api;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Drover.Cli.Commands;

/// <summary><c>drover plans list|show|interrupt|continue|restart-step</c>; <c>show --watch</c> follows a plan live.</summary>
internal static class PlanCommands
{
    public static Command Build(CliHost host)
    {
        var plans = new Command("plans", "A cluster's plans (deploy, update, recovery...) and their steps' progress");
        plans.Aliases.Add("plan");
        var cluster = new Argument<string>("cluster") { Description = "The cluster" };
        var plan = new Argument<string>("plan") { Description = "The plan, e.g. deploy" };
        var optionalPlan = new Argument<string?>("plan") { Description = "The plan (default: every plan; with --watch, the one in progress)", Arity = ArgumentArity.ZeroOrOne };
        var watch = new Option<bool>("--watch", "-w") { Description = "Follow the plan until it completes (exit 1 if it fails or is interrupted)" };

        var list = new Command("list", "The cluster's plans and their status") { cluster };
        list.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var (answer, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "plans"), WireJsonContext.Default.PlanListInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
                return ExitCodes.Ok;
            }

            var table = Output.Table("PLAN", "STATUS", "STRATEGY", "STEPS");
            foreach (var p in answer.Plans)
            {
                table.AddRow(Output.Cell(p.Name), Output.State(p.Status), Output.Cell(p.Strategy), Output.Cell($"{p.StepsComplete}/{p.StepsTotal}"));
            }

            s.Console.Write(table);
            return ExitCodes.Ok;
        }));
        plans.Subcommands.Add(list);

        var show = new Command("show", "A plan's phases and steps with their status") { cluster, optionalPlan, watch };
        show.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var clusterName = parse.GetRequiredValue(cluster);
            var planName = parse.GetValue(optionalPlan);
            if (parse.GetValue(watch))
            {
                return await WatchAsync(s, clusterName, planName, c).ConfigureAwait(false);
            }

            if (planName is null)
            {
                var (all, allJson) = await s.Api.GetAsync(ApiClient.PathOf("v1", "clusters", clusterName, "plans"), WireJsonContext.Default.PlanListInfo, c).ConfigureAwait(false);
                if (s.Json)
                {
                    s.WriteJson(allJson);
                    return ExitCodes.Ok;
                }

                foreach (var p in all.Plans)
                {
                    s.Console.Write(Tree(p));
                }

                return ExitCodes.Ok;
            }

            var (one, json) = await s.Api.GetAsync(ApiClient.PathOf("v1", "clusters", clusterName, "plans", planName), WireJsonContext.Default.PlanInfo, c).ConfigureAwait(false);
            if (s.Json)
            {
                s.WriteJson(json);
            }
            else
            {
                s.Console.Write(Tree(one));
            }

            return ExitCodes.Ok;
        }));
        plans.Subcommands.Add(show);

        plans.Subcommands.Add(Action(host, "interrupt", "Start no new step (steps in progress finish)", cluster, plan, "interrupted"));
        plans.Subcommands.Add(Action(host, "continue", "Let an interrupted plan start steps again", cluster, plan, "continues"));

        var phase = new Argument<string>("phase") { Description = "The step's phase" };
        var step = new Argument<string>("step") { Description = "The step" };
        var restart = new Command("restart-step", "Put a step back to PENDING (e.g. after an error) so the plan runs it again") { cluster, plan, phase, step };
        restart.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var path = ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "plans", parse.GetRequiredValue(plan),
                "phases", parse.GetRequiredValue(phase), "steps", parse.GetRequiredValue(step), "restart");
            var answer = await s.Api.SendAsync(HttpMethod.Post, path, null, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, $"Step {parse.GetRequiredValue(phase)}/{parse.GetRequiredValue(step)} will run again");
        }));
        plans.Subcommands.Add(restart);
        return plans;
    }

    /// <summary>The plan as a tree: plan → phases → steps, each with its status (and a step's message).</summary>
    public static Tree Tree(PlanInfo plan)
    {
        var tree = new Tree(Line($"{plan.Name} ", plan.Status, $" {plan.StepsComplete}/{plan.StepsTotal} steps{(plan.Interrupted ? ", interrupted" : "")}"));
        foreach (var phase in plan.Phases)
        {
            var branch = tree.AddNode(Line($"{phase.Name} ({phase.Strategy.ToLowerInvariant()}) ", phase.Status, ""));
            foreach (var step in phase.Steps)
            {
                branch.AddNode(Line($"{step.Name} ", step.Status, string.IsNullOrEmpty(step.Message) ? "" : $"  {step.Message}"));
            }
        }

        return tree;
    }

    /// <summary>
    /// Polls the plan until it is COMPLETE (0), in ERROR or INTERRUPTED (1). On a terminal the tree redraws in place;
    /// elsewhere each step's change is one line. Without a plan name, follows the first plan not complete.
    /// </summary>
    public static async Task<int> WatchAsync(Session session, string cluster, string? planName, CancellationToken cancellation)
    {
        planName ??= await ActivePlanAsync(session, cluster, cancellation).ConfigureAwait(false);
        if (planName is null)
        {
            session.Say($"Every plan of {cluster} is complete.");
            return ExitCodes.Ok;
        }

        var path = ApiClient.PathOf("v1", "clusters", cluster, "plans", planName);
        PlanInfo plan;
        string json;
        if (session.Host.Interactive && !session.Json)
        {
            (plan, json) = await session.Api.GetAsync(path, WireJsonContext.Default.PlanInfo, cancellation).ConfigureAwait(false);
            var current = plan;
            await session.Console.Live(Tree(current)).StartAsync(async live =>
            {
                while (!IsSettled(current))
                {
                    await Task.Delay(session.Host.PollInterval, cancellation).ConfigureAwait(false);
                    (current, _) = await session.Api.GetAsync(path, WireJsonContext.Default.PlanInfo, cancellation).ConfigureAwait(false);
                    live.UpdateTarget(Tree(current));
                }
            }).ConfigureAwait(false);
            plan = current;
        }
        else
        {
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            while (true)
            {
                (plan, json) = await session.Api.GetAsync(path, WireJsonContext.Default.PlanInfo, cancellation).ConfigureAwait(false);
                foreach (var phase in plan.Phases)
                {
                    foreach (var step in phase.Steps)
                    {
                        var key = $"{phase.Name}/{step.Name}";
                        if (!seen.TryGetValue(key, out var before) || before != step.Status)
                        {
                            seen[key] = step.Status;
                            session.Say($"{plan.Name}/{key}: {step.Status}{(string.IsNullOrEmpty(step.Message) ? "" : " - " + step.Message)}");
                        }
                    }
                }

                if (IsSettled(plan))
                {
                    break;
                }

                await Task.Delay(session.Host.PollInterval, cancellation).ConfigureAwait(false);
            }

            if (session.Json)
            {
                session.WriteJson(json);
            }
        }

        session.Say($"Plan {plan.Name} of {cluster}: {plan.Status} ({plan.StepsComplete}/{plan.StepsTotal} steps)");
        return plan.Status == "COMPLETE" ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static bool IsSettled(PlanInfo plan) => plan.Status is "COMPLETE" or "ERROR" or "INTERRUPTED";

    private static async Task<string?> ActivePlanAsync(Session session, string cluster, CancellationToken cancellation)
    {
        var (plans, _) = await session.Api.GetAsync(ApiClient.PathOf("v1", "clusters", cluster, "plans"), WireJsonContext.Default.PlanListInfo, cancellation).ConfigureAwait(false);
        return plans.Plans.FirstOrDefault(p => p.Status != "COMPLETE")?.Name;
    }

    private static IRenderable Line(string before, string status, string after) => new Paragraph()
        .Append(before)
        .Append(status, new Style(Output.Colour(status)))
        .Append(after);

    private static Command Action(CliHost host, string verb, string description, Argument<string> cluster, Argument<string> plan, string done)
    {
        var command = new Command(verb, description) { cluster, plan };
        command.SetAction((parse, cancellation) => Session.RunAsync(parse, host, cancellation, async (s, c) =>
        {
            var planName = parse.GetRequiredValue(plan);
            var answer = await s.Api.SendAsync(HttpMethod.Post, ApiClient.PathOf("v1", "clusters", parse.GetRequiredValue(cluster), "plans", planName, verb), null, c).ConfigureAwait(false);
            return ClusterCommands.Done(s, answer, $"Plan {planName} {done}");
        }));
        return command;
    }
}
