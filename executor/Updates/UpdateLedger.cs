using Drover.Mesos.V1.Executor;

namespace Drover.Executor.Updates;

/// <summary>
/// Status updates not yet acknowledged by the agent, in the order they were created.
/// An update is stored before it is sent and leaves only through its ACKNOWLEDGED event;
/// every SUBSCRIBE carries what is left (Mesos' executor HTTP API, "Unacknowledged Status Updates").
/// </summary>
public sealed class UpdateLedger
{
    private readonly List<Call.Types.Update> _pending = [];

    public int Count => _pending.Count;

    public IReadOnlyList<Call.Types.Update> Pending => _pending;

    public void Add(Call.Types.Update update) => _pending.Add(update);

    public bool TryGet(Guid uuid, out Call.Types.Update update)
    {
        foreach (var candidate in _pending)
        {
            if (StatusFactory.UuidOf(candidate.Status) == uuid)
            {
                update = candidate;
                return true;
            }
        }

        update = null!;
        return false;
    }

    /// <summary>Removes the acknowledged update; false for an unknown uuid (a duplicate ack).</summary>
    public bool Acknowledge(Guid uuid)
    {
        for (var i = 0; i < _pending.Count; i++)
        {
            if (StatusFactory.UuidOf(_pending[i].Status) == uuid)
            {
                _pending.RemoveAt(i);
                return true;
            }
        }

        return false;
    }

    public bool HasPendingFor(string taskId)
    {
        foreach (var update in _pending)
        {
            if (update.Status.TaskId.Value == taskId)
            {
                return true;
            }
        }

        return false;
    }
}
