using Drover.Executor.Tasks;
using Drover.V1;

namespace Drover.Executor.Personalities;

/// <summary>The personality of each service kind this executor knows.</summary>
public static class Catalog
{
    private static readonly Dictionary<ServiceKind, Func<IPersonality>> Known = new()
    {
        [ServiceKind.Generic] = static () => new Generic.GenericPersonality(),
        [ServiceKind.Cassandra] = static () => new Cassandra.CassandraPersonality(),
        [ServiceKind.Riak] = static () => new Riak.RiakPersonality(),
        [ServiceKind.Drill] = static () => new Drill.DrillPersonality(),
        [ServiceKind.Quobyte] = static () => new Quobyte.QuobytePersonality(),
    };

    /// <summary>The personality for <paramref name="kind"/>, or a launch error naming the kinds there are.</summary>
    public static IPersonality For(ServiceKind kind) =>
        kind == ServiceKind.Unspecified
            ? throw new LaunchException($"NodeSpec.kind is not set: say which service this node runs ({Names()})")
            : Known.TryGetValue(kind, out var create)
                ? create()
                : throw new LaunchException($"NodeSpec.kind {(int)kind} ({kind}) is unknown to this executor version, which runs {Names()}");

    private static string Names() => string.Join(", ", Known.Keys.Order().Select(k => k.ToString().ToUpperInvariant()));
}
