namespace Drover.Mesos.Scheduler;

/// <summary>Where the client says what it does (connections, redirects, backoff): one line per event.</summary>
public interface ILogSink
{
    void Write(string line);
}
