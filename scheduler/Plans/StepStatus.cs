using System.Text.Json.Serialization;

namespace Drover.Scheduler.Plans;

/// <summary>Where a step is. A plan's and a phase's status derive from their steps' (<see cref="PlanStatus"/>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StepStatus>))]
public enum StepStatus
{
    /// <summary>Not started.</summary>
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    /// <summary>Started; waiting for what it needs (an offer, a task status, health, an admin reply, a timer).</summary>
    [JsonStringEnumMemberName("IN_PROGRESS")]
    InProgress,

    [JsonStringEnumMemberName("COMPLETE")]
    Complete,

    /// <summary>Failed; a serial phase stops here until an operator restarts the step.</summary>
    [JsonStringEnumMemberName("ERROR")]
    Error,
}

/// <summary>A plan's or phase's status, derived.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PlanStatus>))]
public enum PlanStatus
{
    [JsonStringEnumMemberName("PENDING")]
    Pending,

    [JsonStringEnumMemberName("IN_PROGRESS")]
    InProgress,

    /// <summary>Interrupted by an operator: steps in progress finish, no new step starts.</summary>
    [JsonStringEnumMemberName("INTERRUPTED")]
    Interrupted,

    [JsonStringEnumMemberName("COMPLETE")]
    Complete,

    [JsonStringEnumMemberName("ERROR")]
    Error,
}

/// <summary>How the children of a plan (phases) or of a phase (steps) run.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Strategy>))]
public enum Strategy
{
    /// <summary>One at a time, in order; the next starts when the previous completes.</summary>
    [JsonStringEnumMemberName("SERIAL")]
    Serial,

    /// <summary>All at once.</summary>
    [JsonStringEnumMemberName("PARALLEL")]
    Parallel,
}
