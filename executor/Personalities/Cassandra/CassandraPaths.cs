namespace Drover.Executor.Personalities.Cassandra;

/// <summary>Where one node keeps things: data on the persistent volume, config and logs in the sandbox.</summary>
internal sealed record CassandraPaths(string Conf, string Logs, string Data, string CommitLog, string SavedCaches, string Hints, string CdcRaw)
{
    /// <summary>The subfolder of the config directory that CASSANDRA_CONF points at.</summary>
    public const string ConfFolder = "cassandra";

    public static CassandraPaths For(PersonalityContext context)
    {
        var data = context.DataDirectory;
        return new CassandraPaths(
            Conf: Path.Combine(context.ConfigDirectory, ConfFolder),
            Logs: Path.Combine(context.Sandbox, "logs", "cassandra"),
            Data: Path.Combine(data, "data"),
            CommitLog: Path.Combine(data, "commitlog"),
            SavedCaches: Path.Combine(data, "saved_caches"),
            Hints: Path.Combine(data, "hints"),
            CdcRaw: Path.Combine(data, "cdc_raw"));
    }
}
