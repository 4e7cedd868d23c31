using System.Globalization;

namespace Drover.Registry;

public enum NodeRegistryEventKind
{
    /// <summary>The endpoint record and ServerSet member were created.</summary>
    Registered,

    /// <summary>They were created again in a new session, after ZooKeeper ended the previous one.</summary>
    Reregistered,

    /// <summary>Both were rewritten in one transaction (state, health).</summary>
    Updated,

    /// <summary>Both were deleted.</summary>
    Deregistered,

    /// <summary>A write whose reply was lost had gone through: the nodes found are ours and were kept.</summary>
    Adopted,

    /// <summary>A second member of ours (from a lost reply) was found and deleted.</summary>
    DuplicateRemoved,

    /// <summary>A write failed for a passing reason (connection loss, session replaced); it is retried.</summary>
    Retrying,

    /// <summary>The node name is held by another session; the registry waits for it to go.</summary>
    Conflict,

    /// <summary>A write failed for a reason that will not pass by itself (e.g. NoAuth); the caller is told, retries go on slowly.</summary>
    Failed,
}

/// <summary>What a <see cref="NodeRegistry"/> did or met: for logs and metrics.</summary>
public sealed record NodeRegistryEvent(NodeRegistryEventKind Kind, string Cluster, string Node, long SessionId, string? Path = null, Exception? Error = null)
{
    public override string ToString()
    {
        var subject = string.Create(CultureInfo.InvariantCulture, $"node {Cluster}/{Node} (session 0x{SessionId:x})");
        return Kind switch
        {
            NodeRegistryEventKind.Registered => $"{subject} registered; member {Path}",
            NodeRegistryEventKind.Reregistered => $"{subject} registered again after its previous session ended; member {Path}",
            NodeRegistryEventKind.Updated => $"{subject} updated",
            NodeRegistryEventKind.Deregistered => $"{subject} deregistered",
            NodeRegistryEventKind.Adopted => $"{subject}: a write whose reply was lost had succeeded; kept member {Path}",
            NodeRegistryEventKind.DuplicateRemoved => $"{subject}: deleted duplicate member {Path}",
            NodeRegistryEventKind.Retrying => $"{subject}: retrying after {Error?.GetType().Name}: {Error?.Message}",
            NodeRegistryEventKind.Conflict => $"{subject}: {Error?.Message}",
            _ => $"{subject}: write failed: {Error?.GetType().Name}: {Error?.Message}",
        };
    }
}

/// <summary>Counters of a <see cref="NodeRegistry"/> since it was made.</summary>
/// <param name="Writes">ZooKeeper write transactions that succeeded.</param>
/// <param name="Registrations">First registrations.</param>
/// <param name="Reregistrations">Registrations written again in a new session.</param>
/// <param name="Retries">Writes retried after a passing failure.</param>
/// <param name="AdoptedWrites">Lost replies whose writes had gone through.</param>
/// <param name="DuplicatesRemoved">Duplicate members deleted.</param>
/// <param name="Conflicts">Attempts that met a node held by another session.</param>
/// <param name="Failures">Attempts that failed for a lasting reason.</param>
public readonly record struct NodeRegistryStatistics(
    long Writes,
    long Registrations,
    long Reregistrations,
    long Updates,
    long Deregistrations,
    long Retries,
    long AdoptedWrites,
    long DuplicatesRemoved,
    long Conflicts,
    long Failures);
