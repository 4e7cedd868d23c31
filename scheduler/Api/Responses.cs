using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>Writes the API's answers: JSON rendered whole (a Content-Length, no half-written body on a fault), never cached.</summary>
internal static class Responses
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public static Task JsonAsync<T>(HttpContext context, int status, T value, JsonTypeInfo<T> type)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, type);
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        response.ContentLength = body.Length;
        response.Headers.CacheControl = "no-store";
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task ErrorAsync(HttpContext context, ApiProblem problem) =>
        JsonAsync(context, problem.Status, problem.ToError(), ApiJsonContext.Default.ApiError);

    /// <summary>
    /// The scheduler's answer to a change: Ok as <paramref name="okStatus"/> with the result, the rest as the
    /// error their outcome names (Invalid 400 with the fields, NotFound 404, Conflict 409, Unavailable 503).
    /// </summary>
    public static Task ResultAsync(HttpContext context, OperationResult result, int okStatus)
    {
        if (result.IsOk)
        {
            return JsonAsync(context, okStatus, result, ApiJsonContext.Default.OperationResult);
        }

        var status = result.Outcome switch
        {
            OperationOutcome.Invalid => StatusCodes.Status400BadRequest,
            OperationOutcome.NotFound => StatusCodes.Status404NotFound,
            OperationOutcome.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        var message = result.Message.Length > 0 ? result.Message : result.Outcome.ToString().ToLowerInvariant();
        return ErrorAsync(context, new ApiProblem(status, message, result.Errors));
    }
}
