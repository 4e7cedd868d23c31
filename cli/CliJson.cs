using System.Text.Json.Serialization;

namespace Drover.Cli;

/// <summary>What the CLI itself writes as JSON (request bodies).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(AdminBody))]
internal sealed partial class CliJsonContext : JsonSerializerContext;

internal sealed record AdminBody(string Operation, Dictionary<string, string> Arguments);
