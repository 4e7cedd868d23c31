using Drover.Scheduler.Model;
using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>
/// A request the API refuses: its status and the JSON error <c>{"error": "...", "errors": [{"field", "message"}]}</c>.
/// Thrown by a handler's input checks and written by <see cref="Handler"/>; a per-request error, never a fault of the server.
/// </summary>
public sealed class ApiProblem : Exception
{
    public ApiProblem(int status, string message, IReadOnlyList<SpecError>? errors = null)
        : base(message)
    {
        Status = status;
        Errors = errors ?? [];
    }

    public ApiProblem()
        : this(StatusCodes.Status400BadRequest, "bad request")
    {
    }

    public ApiProblem(string message)
        : this(StatusCodes.Status400BadRequest, message)
    {
    }

    public ApiProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Errors = [];
    }

    public int Status { get; }

    public IReadOnlyList<SpecError> Errors { get; }

    /// <summary>400 naming the field at fault.</summary>
    public static ApiProblem BadField(string field, string message) =>
        new(StatusCodes.Status400BadRequest, $"{field}: {message}", [new SpecError(field, message)]);

    public static ApiProblem Invalid(IReadOnlyList<SpecError> errors) =>
        new(StatusCodes.Status400BadRequest, errors.Count == 0 ? "invalid input" : string.Join("; ", errors), errors);

    public static ApiProblem NotFound(string message) => new(StatusCodes.Status404NotFound, message);

    public ApiError ToError() => new(Message, Errors);
}

/// <summary>The JSON body of every error answer.</summary>
public sealed record ApiError(string Error, IReadOnlyList<SpecError> Errors);
