using Drover.Logging;
using Microsoft.AspNetCore.Http;

namespace Drover.Scheduler.Api;

/// <summary>
/// Runs an endpoint's handler with the API's two levels of error: a refused request (<see cref="ApiProblem"/>,
/// Kestrel's bad request) is answered with its JSON error and logged as what it is; anything else is a fault of
/// ours, logged with its stack and answered 500 without details. A change that the scheduler's loop does not
/// answer within the operation timeout gets 503. Every change (not a read) is logged with its outcome.
/// </summary>
internal sealed class Handler
{
    private readonly TimeSpan _timeout;

    public Handler(TimeSpan timeout) => _timeout = timeout;

    /// <summary>A RequestDelegate running <paramref name="handle"/>, whose token ends at the client's disconnection or the operation timeout.</summary>
    public RequestDelegate Wrap(Func<HttpContext, CancellationToken, Task> handle) => context => RunAsync(context, handle);

    private async Task RunAsync(HttpContext context, Func<HttpContext, CancellationToken, Task> handle)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(_timeout);
        try
        {
            await handle(context, timeout.Token).ConfigureAwait(false);
        }
        catch (ApiProblem problem)
        {
            await Responses.ErrorAsync(context, problem).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            await Responses.ErrorAsync(context, new ApiProblem(e.StatusCode, e.Message)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody to answer.
            return;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            await Responses.ErrorAsync(context, new ApiProblem(
                StatusCodes.Status503ServiceUnavailable,
                $"the scheduler did not answer within {_timeout.TotalSeconds:0.#} s; a change may still be applied: look at the state before trying again")).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // The request's fault, logged; the server goes on.
        catch (Exception e) when (!context.Response.HasStarted)
#pragma warning restore CA1031
        {
            Log.Error($"{context.Request.Method} {context.Request.Path} failed: {e}", "api");
            await Responses.ErrorAsync(context, new ApiProblem(StatusCodes.Status500InternalServerError, "internal error (logged by the scheduler)")).ConfigureAwait(false);
        }

        if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
        {
            Log.Info($"{context.Request.Method} {context.Request.Path} -> {context.Response.StatusCode}", "api");
        }
    }
}
