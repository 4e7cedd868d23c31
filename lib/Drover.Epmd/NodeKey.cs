namespace Drover.Epmd;

/// <summary>A registration's identity: its name on its host (host case-insensitive, name exact).</summary>
internal readonly struct NodeKey : IEquatable<NodeKey>
{
    public NodeKey(string? host, string name)
    {
        Host = host;
        Name = name;
    }

    public string? Host { get; }

    public string Name { get; }

    public static NodeKey Of(NodeRegistration registration) => new(registration.Host, registration.Name);

    public bool Equals(NodeKey other) =>
        NodeRegistration.HostsEqual(Host, other.Host) && string.Equals(Name, other.Name, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is NodeKey other && Equals(other);

    public override int GetHashCode() =>
        HashCode.Combine(Host is null ? 0 : StringComparer.OrdinalIgnoreCase.GetHashCode(Host), StringComparer.Ordinal.GetHashCode(Name));
}
