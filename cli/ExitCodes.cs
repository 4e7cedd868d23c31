namespace Drover.Cli;

/// <summary>What <c>drover</c> exits with, so scripts can tell failures apart (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The operation failed: a server fault, a watched plan in ERROR, an admin operation that did not succeed.</summary>
    public const int Failed = 1;

    /// <summary>The command line or its input is wrong (unknown option, unreadable spec file, the API's 400).</summary>
    public const int Usage = 2;

    /// <summary>No such cluster, node, plan, step or admin request (404).</summary>
    public const int NotFound = 3;

    /// <summary>The change conflicts with the current state (409), e.g. create of a cluster that exists.</summary>
    public const int Conflict = 4;

    /// <summary>No token, or a wrong one (401), or a browser-only refusal (403).</summary>
    public const int Unauthorized = 5;

    /// <summary>The scheduler cannot be reached (connection refused, name not found, timeout).</summary>
    public const int Unreachable = 6;

    /// <summary>The scheduler answered but cannot act now (503: not the leader, stopping, its loop did not answer).</summary>
    public const int Unavailable = 7;

    public static int OfStatus(int status) => status switch
    {
        400 or 413 or 415 => Usage,
        401 or 403 => Unauthorized,
        404 => NotFound,
        409 => Conflict,
        503 => Unavailable,
        _ => Failed,
    };
}

/// <summary>A command that cannot go on: the message for stderr and the exit code.</summary>
public sealed class CliException : Exception
{
    public CliException(int exitCode, string message, IReadOnlyList<string>? details = null)
        : base(message)
    {
        ExitCode = exitCode;
        Details = details ?? [];
    }

    public CliException()
        : this(ExitCodes.Failed, "failed")
    {
    }

    public CliException(string message)
        : this(ExitCodes.Failed, message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Failed;
        Details = [];
    }

    public int ExitCode { get; }

    /// <summary>Lines under the message, e.g. each field the API named.</summary>
    public IReadOnlyList<string> Details { get; }

    /// <summary>The JSON error body as the API sent it, for --json.</summary>
    public string? Body { get; init; }
}
