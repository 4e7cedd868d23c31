using System.Buffers;
using Drover.Mesos.V1.Executor;
using Google.Protobuf;

namespace Drover.Executor.Agent;

/// <summary>What is wrong with an event from the agent.</summary>
public enum AgentProtocolErrorKind
{
    /// <summary>The record is not a protobuf Event.</summary>
    UndecodableEvent,

    /// <summary>A proto2 `required` field is missing (the agent's own parser refuses such messages).</summary>
    MissingRequiredField,

    /// <summary>The field the event's type names (`launch` for LAUNCH...) is absent.</summary>
    MissingEventBody,
}

/// <summary>An event from the agent that breaks the protocol: the subscription cannot be trusted after it.</summary>
public sealed class AgentProtocolException(AgentProtocolErrorKind kind, string message, Exception? inner = null) : Exception(message, inner)
{
    public AgentProtocolErrorKind Kind { get; } = kind;
}

/// <summary>Decoding the records of the agent's event stream.</summary>
public static class AgentEvents
{
    /// <summary>
    /// One RecordIO record as an Event. Google.Protobuf does not enforce proto2's `required` on parse; the agent's
    /// parser does, so an event missing a required field is as malformed as an undecodable one. The event's type
    /// names the field that must be there, as the agent checks calls.
    /// </summary>
    public static Event Decode(ReadOnlySequence<byte> record)
    {
        Event e;
        try
        {
            e = Event.Parser.ParseFrom(record);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new AgentProtocolException(AgentProtocolErrorKind.UndecodableEvent, ex.Message, ex);
        }

        if (!e.IsInitialized())
        {
            throw new AgentProtocolException(AgentProtocolErrorKind.MissingRequiredField, $"a {e.Type} event without all its required fields");
        }

        var missing = e.Type switch
        {
            Event.Types.Type.Subscribed when e.Subscribed is null => "subscribed",
            Event.Types.Type.Launch when e.Launch is null => "launch",
            Event.Types.Type.LaunchGroup when e.LaunchGroup is null => "launch_group",
            Event.Types.Type.Kill when e.Kill is null => "kill",
            Event.Types.Type.Acknowledged when e.Acknowledged is null => "acknowledged",
            Event.Types.Type.Message when e.Message is null => "message",
            Event.Types.Type.Error when e.Error is null => "error",
            _ => null,
        };
        return missing is null ? e : throw new AgentProtocolException(AgentProtocolErrorKind.MissingEventBody, $"a {e.Type} event without '{missing}'");
    }
}
