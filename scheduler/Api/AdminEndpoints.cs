using System.Text.RegularExpressions;
using Drover.Scheduler.Model;
using Drover.Scheduler.Operations;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Drover.Scheduler.Api;

/// <summary>
/// Admin operations: <c>POST .../nodes/{node}/admin</c> sends an <c>AdminRequest</c> to the node's executor as a
/// framework message and answers 202 with its request id; <c>GET /v1/admin[/{id}]</c> shows it, with the
/// executor's <c>AdminReply</c> once it came.
/// </summary>
internal static partial class AdminEndpoints
{
    public const int MaxArguments = 64;
    public const int MaxArgumentLength = 8192;

    [GeneratedRegex("^[a-z][a-z0-9-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex OperationPattern();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_.-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex ArgumentNamePattern();

    public static void Map(IEndpointRouteBuilder routes, ISchedulerOperations operations, Handler handler)
    {
        routes.MapPost("/v1/clusters/{name}/nodes/{node}/admin", handler.Wrap(async (context, cancellation) =>
        {
            var cluster = RouteNames.Cluster(context);
            var node = RouteNames.Node(context);
            var request = await RequestBody.ReadAsync(context, ApiInputJsonContext.Default.AdminOperationRequest).ConfigureAwait(false);
            var (operation, arguments) = Check(request);
            var result = await operations.SendAdminOperationAsync(cluster, node, operation, arguments, cancellation).ConfigureAwait(false);
            if (result.IsOk && result.RequestId is { } id)
            {
                var location = $"/v1/admin/{Uri.EscapeDataString(id)}";
                context.Response.Headers.Location = location;
                var accepted = new AdminAccepted(id, location, result.Message.Length > 0 ? result.Message : $"{operation} sent to {cluster}/{node}");
                await Responses.JsonAsync(context, StatusCodes.Status202Accepted, accepted, ApiJsonContext.Default.AdminAccepted).ConfigureAwait(false);
                return;
            }

            await Responses.ResultAsync(context, result, StatusCodes.Status202Accepted).ConfigureAwait(false);
        }));

        routes.MapMethods("/v1/admin", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            IEnumerable<AdminOperationView> shown = operations.Snapshot().AdminOperations;
            if (context.Request.Query.TryGetValue("cluster", out var filter))
            {
                var cluster = filter.ToString();
                if (!ClusterSpecValidator.IsValidName(cluster))
                {
                    throw ApiProblem.BadField("cluster", $"'{cluster}' is not a valid cluster name");
                }

                shown = shown.Where(o => o.Cluster == cluster);
            }

            return Responses.JsonAsync(context, StatusCodes.Status200OK, new AdminOperationList([.. shown]), ApiJsonContext.Default.AdminOperationList);
        }));

        routes.MapMethods("/v1/admin/{id}", [HttpMethods.Get, HttpMethods.Head], handler.Wrap((context, _) =>
        {
            var id = RouteNames.RequestId(context);
            var operation = operations.Snapshot().AdminOperations.FirstOrDefault(o => o.RequestId == id)
                ?? throw ApiProblem.NotFound($"no admin operation with request id '{id}' (the scheduler keeps the last ones only)");
            return Responses.JsonAsync(context, StatusCodes.Status200OK, operation, ApiJsonContext.Default.AdminOperationView);
        }));
    }

    private static (string Operation, IReadOnlyDictionary<string, string> Arguments) Check(AdminOperationRequest request)
    {
        var errors = new List<SpecError>();
        var operation = request.Operation ?? "";
        if (operation.Length == 0)
        {
            errors.Add(new SpecError("operation", "required: the personality's operation, e.g. repair or cleanup"));
        }
        else if (!OperationPattern().IsMatch(operation))
        {
            errors.Add(new SpecError("operation", "lowercase letters, digits and '-', starting with a letter, at most 64 characters"));
        }

        var arguments = request.Arguments ?? [];
        if (arguments.Count > MaxArguments)
        {
            errors.Add(new SpecError("arguments", $"{arguments.Count} arguments; at most {MaxArguments}"));
        }
        else
        {
            foreach (var (key, value) in arguments)
            {
                if (!ArgumentNamePattern().IsMatch(key))
                {
                    errors.Add(new SpecError($"arguments.{(key.Length <= 64 ? key : key[..64])}", "not a valid argument name: letters, digits, '_', '.' and '-'"));
                }
                else if (value is null || value.Length > MaxArgumentLength || value.Contains('\0', StringComparison.Ordinal))
                {
                    // A map's values escape the nullable annotations: a JSON null arrives as null.
                    errors.Add(new SpecError($"arguments.{key}", $"a string of at most {MaxArgumentLength} characters, without NUL"));
                }
            }
        }

        return errors.Count == 0 ? (operation, arguments) : throw ApiProblem.Invalid(errors);
    }
}
