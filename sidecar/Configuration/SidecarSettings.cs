using System.Net;
using Drover.Registry;
using Drover.Sidecar.Proxy;

namespace Drover.Sidecar.Configuration;

/// <summary>Everything the sidecar is told, checked (<see cref="SettingsLoader"/> reads it from flags, environment and a JSON file).</summary>
public sealed record SidecarSettings
{
    public const string DefaultFramework = "drover";
    public static readonly IPEndPoint DefaultGrpc = new(IPAddress.Loopback, 9470);
    public static readonly IPEndPoint DefaultHttp = new(IPAddress.Loopback, 9471);

    /// <summary>"host:port[,host:port...][/chroot]".</summary>
    public required string ZooKeeper { get; init; }

    public string Root { get; init; } = RegistryPaths.DefaultRoot;

    public string Framework { get; init; } = DefaultFramework;

    /// <summary>"user:password", the framework's ZooKeeper digest (read from a file; never logged).</summary>
    public DigestCredentials? Credentials { get; init; }

    public TimeSpan SessionTimeout { get; init; } = RegistryOptions.DefaultSessionTimeout;

    /// <summary>The clusters to follow; null follows every cluster of the framework as they come and go.</summary>
    public IReadOnlyList<string>? Clusters { get; init; }

    /// <summary>Where gRPC discovery listens (HTTP/2; TLS with a certificate).</summary>
    public IPEndPoint Grpc { get; init; } = DefaultGrpc;

    /// <summary>Where /metrics, /health and /v1/prometheus/targets listen (HTTP/1.1; TLS with a certificate).</summary>
    public IPEndPoint Http { get; init; } = DefaultHttp;

    /// <summary>A PEM certificate (with <see cref="TlsKey"/>) or a PKCS#12 file; null for cleartext.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>The PEM private key of <see cref="TlsCertificate"/>.</summary>
    public string? TlsKey { get; init; }

    public IReadOnlyList<ProxySettings> Proxies { get; init; } = [];

    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    public RegistryOptions Registry() => new()
    {
        ConnectString = ZooKeeper,
        Root = Root,
        Framework = Framework,
        SessionTimeout = SessionTimeout,
        Credentials = Credentials,
    };
}

/// <summary>A setting is wrong: the message names where it came from (flag, variable, file and key) and why.</summary>
public sealed class SettingsException : Exception
{
    public SettingsException()
    {
    }

    public SettingsException(string message)
        : base(message)
    {
    }

    public SettingsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
