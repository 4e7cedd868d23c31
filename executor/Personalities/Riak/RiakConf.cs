using System.Globalization;
using System.Text;

namespace Drover.Executor.Personalities.Riak;

/// <summary>
/// riak.conf as cuttlefish reads it: one `key = value` per line, `#` comment lines, the last line of a key
/// wins. Keys are those of Riak's schemas (riak_core, riak_kv, riak_api, cuttlefish's erlang_vm).
/// </summary>
internal static class RiakConf
{
    public const string FileName = "riak.conf";

    public static string Render(RiakSettings settings, string describedAs)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var conf = new StringBuilder()
            .Append("## Written by Drover for ").Append(describedAs).Append(" at every launch; edits here are lost.\n")
            .Append("## Set other keys with NodeSpec.config['").Append(RiakSettings.ConfPrefix).Append("<key>'].\n");
        Line(conf, "nodename", settings.NodeName);
        Line(conf, "distributed_cookie", settings.Cookie);
        Line(conf, "ring_size", Number(settings.RingSize));
        Line(conf, "storage_backend", settings.StorageBackend);
        Line(conf, "platform_data_dir", settings.DataDirectory);
        Line(conf, "platform_log_dir", settings.LogDirectory);
        Line(conf, "listener.http.internal", Endpoint(settings.ListenAddress, settings.HttpPort));
        Line(conf, "listener.protobuf.internal", Endpoint(settings.ListenAddress, settings.PbPort));
        Line(conf, "handoff.ip", settings.ListenAddress);
        Line(conf, "handoff.port", Number(settings.HandoffPort));

        // One port for Erlang distribution: the one Mesos gave, which cEPMD hands to peers.
        Line(conf, "erlang.distribution.port_range.minimum", Number(settings.DisterlPort));
        Line(conf, "erlang.distribution.port_range.maximum", Number(settings.DisterlPort));
        foreach (var (key, value) in settings.Overrides)
        {
            Line(conf, key, value);
        }

        return conf.ToString();
    }

    private static void Line(StringBuilder conf, string key, string value) => conf.Append(key).Append(" = ").Append(value).Append('\n');

    private static string Endpoint(string address, int port) => address + ":" + Number(port);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
