using Drover.Scheduler.Model;

namespace Drover.Scheduler.Api;

/// <summary>How the operator API is served. <see cref="Validate"/> refuses an open API on a reachable address.</summary>
public sealed record OperatorApiOptions
{
    /// <summary>How long a change waits for the scheduler's loop to validate and persist it before answering 503.</summary>
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Small bodies (scale, admin operations) are a few hundred bytes.</summary>
    public const int MaxSmallBodyBytes = 64 * 1024;

    public required ListenAddress Listen { get; init; }

    /// <summary>Every request but the health check and the console's static files must carry it; null: no token (loopback only).</summary>
    public OperatorToken? Token { get; init; }

    public TimeSpan OperationTimeout { get; init; } = DefaultOperationTimeout;

    /// <summary>The largest cluster spec accepted by PUT.</summary>
    public int MaxSpecBytes { get; init; } = ClusterSpecJson.MaxBytes;

    /// <summary>Throws <see cref="ApiConfigurationException"/> when the options cannot be served safely.</summary>
    public void Validate()
    {
        if (Token is null && !Listen.IsLoopback)
        {
            throw new ApiConfigurationException(
                $"the operator API would listen on {Listen} without a token: anyone who can reach it could delete clusters. " +
                "Give a token file (--api-token-file) or listen on a loopback address (127.0.0.1).");
        }

        if (OperationTimeout <= TimeSpan.Zero)
        {
            throw new ApiConfigurationException($"the operation timeout must be positive, not {OperationTimeout}");
        }

        if (MaxSpecBytes is < 1024 or > 16 * 1024 * 1024)
        {
            throw new ApiConfigurationException($"the largest spec must be 1 KB..16 MB, not {MaxSpecBytes} bytes");
        }
    }
}

/// <summary>The operator API cannot start as configured (the scheduler stops with this message).</summary>
public sealed class ApiConfigurationException : Exception
{
    public ApiConfigurationException()
    {
    }

    public ApiConfigurationException(string message)
        : base(message)
    {
    }

    public ApiConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
