using Drover.Drill.Exec;
using Google.Protobuf;

namespace Drover.Executor.Personalities.Drill;

/// <summary>One child of /&lt;zk.root&gt;/&lt;cluster-id&gt;: its name and the bytes ZooKeeper holds.</summary>
public readonly record struct RegistrationNode(string Name, byte[] Data);

/// <summary>
/// What the registrations of a Drill cluster say about one drillbit. <see cref="Found"/> is the
/// registration whose endpoint is this node (address and user port); <see cref="Unreadable"/> counts
/// children whose data is not a DrillServiceInstance (<see cref="FirstError"/> says why for the first).
/// </summary>
public sealed record RegistrationLookup(
    string Path,
    bool ParentExists,
    int Total,
    string? FoundPath,
    DrillbitEndpoint? Found,
    int Unreadable,
    string? FirstError)
{
    public bool IsOnline => Found is { HasState: true, State: DrillbitEndpoint.Types.State.Online };

    /// <summary>The registration is gone (or never was): what a drained drillbit leaves.</summary>
    public bool IsAbsent => Found is null;

    public string Describe()
    {
        if (!ParentExists)
        {
            return $"no drillbit is registered: {Path} does not exist";
        }

        if (Found is { } endpoint)
        {
            var state = endpoint.HasState ? endpoint.State.ToString().ToUpperInvariant() : "no state (a Drill older than 1.12?)";
            return $"{state} at {FoundPath}";
        }

        var unreadable = Unreadable == 0 ? "" : $"; {Unreadable} of {Total} registrations unreadable ({FirstError})";
        return $"not registered under {Path} ({Total} drillbits registered){unreadable}";
    }
}

/// <summary>Reading Drill's registrations: pure functions over the bytes, never throwing for bad data.</summary>
public static class DrillRegistration
{
    /// <summary>Parses a znode's data as Drill's DrillServiceInstance; null and a reason when it is not one.</summary>
    public static DrillServiceInstance? TryParse(byte[] data, out string? error)
    {
        ArgumentNullException.ThrowIfNull(data);
        DrillServiceInstance instance;
        try
        {
            instance = DrillServiceInstance.Parser.ParseFrom(data);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or System.Text.DecoderFallbackException)
        {
            // DecoderFallbackException: a string field that is not UTF-8.
            error = $"not a DrillServiceInstance protobuf ({data.Length} bytes): {e.Message}";
            return null;
        }

        if (instance.Endpoint is not { HasAddress: true, HasUserPort: true })
        {
            error = $"a DrillServiceInstance without an endpoint address and user port ({data.Length} bytes)";
            return null;
        }

        error = null;
        return instance;
    }

    /// <summary>Finds the registration of the drillbit at <paramref name="host"/>:<paramref name="userPort"/>.</summary>
    public static RegistrationLookup Find(string path, IReadOnlyList<RegistrationNode>? children, string host, int userPort)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(host);
        if (children is null)
        {
            return new RegistrationLookup(path, ParentExists: false, 0, null, null, 0, null);
        }

        DrillbitEndpoint? found = null;
        string? foundPath = null;
        var unreadable = 0;
        string? firstError = null;
        foreach (var child in children)
        {
            var instance = TryParse(child.Data, out var error);
            if (instance is null)
            {
                unreadable++;
                firstError ??= $"{child.Name}: {error}";
                continue;
            }

            var endpoint = instance.Endpoint;
            if (found is null && endpoint.UserPort == userPort && string.Equals(endpoint.Address, host, StringComparison.OrdinalIgnoreCase))
            {
                found = endpoint;
                foundPath = $"{path}/{child.Name}";
            }
        }

        return new RegistrationLookup(path, ParentExists: true, children.Count, foundPath, found, unreadable, firstError);
    }
}
