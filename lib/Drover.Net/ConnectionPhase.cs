namespace Drover.Net;

/// <summary>Where an admitted connection stands, which decides whether (and in what order) it may be evicted.</summary>
public enum ConnectionPhase
{
    /// <summary>
    /// Waiting for a complete request: just accepted, or part of a request has arrived. Evictable, the
    /// connection that has waited longest first.
    /// </summary>
    Waiting,

    /// <summary>Nothing asked: a kept-alive connection between requests, or one closing after its answer. Evicted first.</summary>
    Idle,

    /// <summary>A complete request is being answered, or the connection is a registration that lives as long as it does. Never evicted.</summary>
    Busy,

    /// <summary>Taken out by a newcomer; its owner closes it as soon as it notices.</summary>
    Evicted,

    /// <summary>Closed by its owner (<see cref="ConnectionSlot.Dispose"/>).</summary>
    Left,
}
