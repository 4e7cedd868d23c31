using System.Text.Json.Serialization;

namespace Drover.Executor.Personalities.Drill;

/// <summary>Source-generated (AOT-safe) JSON for the few values the personality writes.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class DrillJsonContext : JsonSerializerContext;
