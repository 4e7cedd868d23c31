using System.Text.RegularExpressions;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>
/// The names in a request's path, checked before anything else: a cluster or node name must be one the spec
/// allows (a ZooKeeper path segment, part of a task id), plan, phase and step names a plain token. A name that
/// cannot exist is a 400 naming it; a well-formed name nobody has is a 404.
/// </summary>
internal static partial class RouteNames
{
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    public static string Cluster(HttpContext context) => ValidName(context, "name", "name");

    public static string Node(HttpContext context) => ValidName(context, "node", "node");

    public static string Plan(HttpContext context) => Token(context, "plan");

    public static string Phase(HttpContext context) => Token(context, "phase");

    public static string Step(HttpContext context) => Token(context, "step");

    public static string RequestId(HttpContext context) => Token(context, "id");

    /// <summary>The cluster named in the path, from the snapshot; 404 when there is none.</summary>
    public static ClusterView FindCluster(SchedulerSnapshot snapshot, string name) =>
        snapshot.Clusters.FirstOrDefault(c => c.Name == name) ?? throw ApiProblem.NotFound($"no cluster named '{name}'");

    public static NodeView FindNode(ClusterView cluster, string node) =>
        cluster.Nodes.FirstOrDefault(n => n.Name == node) ?? throw ApiProblem.NotFound($"cluster '{cluster.Name}' has no node named '{node}'");

    public static PlanView FindPlan(ClusterView cluster, string plan) =>
        cluster.Plans.FirstOrDefault(p => p.Name == plan) ?? throw ApiProblem.NotFound($"cluster '{cluster.Name}' has no plan named '{plan}'");

    private static string ValidName(HttpContext context, string key, string field)
    {
        var value = Value(context, key);
        return ClusterSpecValidator.IsValidName(value)
            ? value
            : throw ApiProblem.BadField(field, $"'{Clip(value)}' is not a valid name: lowercase letters, digits and '-', starting with a letter, not ending with '-', at most {SpecLimits.MaxNameLength} characters");
    }

    private static string Token(HttpContext context, string key)
    {
        var value = Value(context, key);
        return TokenPattern().IsMatch(value)
            ? value
            : throw ApiProblem.BadField(key, $"'{Clip(value)}' is not a valid {key} name: letters, digits, '.', '_' and '-', at most 64 characters");
    }

    private static string Value(HttpContext context, string key) => context.Request.RouteValues[key] as string ?? "";

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
