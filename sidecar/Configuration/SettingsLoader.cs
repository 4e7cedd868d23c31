using System.Globalization;
using System.Net;
using System.Text.Json;
using Drover.Mesos;
using Drover.Registry;
using Drover.Sidecar.Proxy;

namespace Drover.Sidecar.Configuration;

/// <summary>
/// Reads <see cref="SidecarSettings"/> from three layers, each overriding the one before: a JSON file
/// (<c>--config</c> or <c>DROVER_SIDECAR_CONFIG</c>), the environment (<c>DROVER_SIDECAR_*</c>), then the
/// flags. Lists (clusters, proxies) are replaced whole by a later layer, not merged. Every error names
/// its source: the flag, the variable, or the file and key.
/// </summary>
public static class SettingsLoader
{
    public const string EnvironmentPrefix = "DROVER_SIDECAR_";

    /// <summary>A digest file larger than this is not a "user:password" line.</summary>
    private const int MaxDigestFileBytes = 4096;

    /// <summary>A configuration file larger than this is refused before it is parsed.</summary>
    private const int MaxConfigFileBytes = 1024 * 1024;

    public const string Usage = """
        usage: drover-sidecar --zookeeper <host:port[,host:port...][/chroot]> [options]

          --config <file>             JSON file of settings (keys as below in camelCase; "tls": {"certificate","key"};
                                      "clusters": [..]; "proxies": [{"cluster","port","listen",...}])
          --zookeeper <connect>       ZooKeeper connect string (required)
          --root <path>               registry root (default /drover)
          --framework <name>          framework name under the root (default drover)
          --digest-file <file>        file holding the framework's ZooKeeper digest "user:password"
          --session-timeout <dur>     ZooKeeper session timeout, a Mesos duration (default 10secs)
          --cluster <name>            follow only this cluster (repeatable; default: every cluster)
          --grpc <ip:port>            gRPC discovery listener (default 127.0.0.1:9470)
          --http <ip:port>            /metrics, /health, /v1/prometheus/targets (default 127.0.0.1:9471)
          --tls-certificate <file>    PEM certificate (with --tls-key) or PKCS#12 file: serve TLS
          --tls-key <file>            PEM private key of the certificate
          --proxy <spec>              a TCP proxy listener (repeatable):
                                      <cluster>/<port name>=<ip:port>[,balance=round-robin|least-connections]
                                      [,on-node-loss=keep|close][,max-connections=N][,connect-timeout=<dur>]
                                      [,connect-attempts=N][,buffer-size=BYTES][,backlog=N]
          --log-level <level>         trace, debug, information, warning, error (default information)

        Each flag has a variable DROVER_SIDECAR_<NAME> (e.g. DROVER_SIDECAR_ZOOKEEPER; DROVER_SIDECAR_CLUSTERS
        comma-separated, DROVER_SIDECAR_PROXIES semicolon-separated). Flags override the environment, which
        overrides the file.
        """;

    private static readonly Key[] Keys =
    [
        new("zookeeper", "--zookeeper", "ZOOKEEPER", "zookeeper"),
        new("root", "--root", "ROOT", "root"),
        new("framework", "--framework", "FRAMEWORK", "framework"),
        new("digestFile", "--digest-file", "DIGEST_FILE", "digestFile"),
        new("sessionTimeout", "--session-timeout", "SESSION_TIMEOUT", "sessionTimeout"),
        new("grpc", "--grpc", "GRPC", "grpc"),
        new("http", "--http", "HTTP", "http"),
        new("tlsCertificate", "--tls-certificate", "TLS_CERTIFICATE", "tls.certificate"),
        new("tlsKey", "--tls-key", "TLS_KEY", "tls.key"),
        new("logLevel", "--log-level", "LOG_LEVEL", "logLevel"),
    ];

    /// <summary>The proxy fields: spec (flag and environment) name → JSON name.</summary>
    private static readonly Dictionary<string, string> ProxyFields = new(StringComparer.Ordinal)
    {
        ["cluster"] = "cluster",
        ["port"] = "port",
        ["listen"] = "listen",
        ["balance"] = "balance",
        ["on-node-loss"] = "onNodeLoss",
        ["max-connections"] = "maxConnections",
        ["connect-timeout"] = "connectTimeout",
        ["connect-attempts"] = "connectAttempts",
        ["buffer-size"] = "bufferSize",
        ["backlog"] = "backlog",
    };

    /// <summary>Reads the layers; <paramref name="readFile"/> reads a file's bytes (tests interpose).</summary>
    public static SidecarSettings Load(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> environment, Func<string, byte[]>? readFile = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(environment);
        readFile ??= File.ReadAllBytes;
        var flags = FromFlags(args);
        var env = FromEnvironment(environment);
        var configFile = flags.Config ?? env.Config;
        var file = configFile is null ? new Layer() : FromFile(configFile.Value, configFile.Source, readFile);
        return Build(Merge(file, env, flags), readFile);
    }

    /// <summary>The process environment as a dictionary.</summary>
    public static Dictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string ?? "";
        }
        return result;
    }

    private static Layer FromFlags(IReadOnlyList<string> args)
    {
        var layer = new Layer();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? value = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                value = arg[(equals + 1)..];
            }
            else
            {
                name = arg;
            }
            if (name is not ("--config" or "--cluster" or "--proxy") && Keys.All(k => k.Flag != name))
            {
                throw new SettingsException($"unknown option '{name}'");
            }
            if (value is null)
            {
                if (i + 1 >= args.Count)
                {
                    throw new SettingsException($"{name} needs a value");
                }
                value = args[++i];
            }
            switch (name)
            {
                case "--config":
                    layer.Config = new Raw(value, name);
                    break;
                case "--cluster":
                    (layer.Clusters ??= new RawList([], name)).Values.Add(value);
                    break;
                case "--proxy":
                    (layer.Proxies ??= []).Add(ParseProxySpec(value, name));
                    break;
                default:
                    var key = Keys.First(k => k.Flag == name);
                    if (!layer.Scalars.TryAdd(key.Name, new Raw(value, name)))
                    {
                        throw new SettingsException($"{name} is given twice");
                    }
                    break;
            }
        }
        return layer;
    }

    private static Layer FromEnvironment(IReadOnlyDictionary<string, string> environment)
    {
        var layer = new Layer();
        foreach (var key in Keys)
        {
            var variable = EnvironmentPrefix + key.Variable;
            if (environment.TryGetValue(variable, out var value) && value.Length > 0)
            {
                layer.Scalars[key.Name] = new Raw(value, variable);
            }
        }
        if (environment.TryGetValue(EnvironmentPrefix + "CONFIG", out var config) && config.Length > 0)
        {
            layer.Config = new Raw(config, EnvironmentPrefix + "CONFIG");
        }
        if (environment.TryGetValue(EnvironmentPrefix + "CLUSTERS", out var clusters) && clusters.Length > 0)
        {
            layer.Clusters = new RawList([.. clusters.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)], EnvironmentPrefix + "CLUSTERS");
        }
        if (environment.TryGetValue(EnvironmentPrefix + "PROXIES", out var proxies) && proxies.Length > 0)
        {
            var variable = EnvironmentPrefix + "PROXIES";
            layer.Proxies = [.. proxies.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select((spec, i) => ParseProxySpec(spec, $"{variable}[{i}]"))];
        }
        return layer;
    }

    private static Layer FromFile(string path, string source, Func<string, byte[]> readFile)
    {
        byte[] bytes;
        try
        {
            bytes = readFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{source}: cannot read '{path}': {e.Message}", e);
        }
        if (bytes.Length > MaxConfigFileBytes)
        {
            throw new SettingsException($"{source}: '{path}' is {bytes.Length} bytes; a configuration file is at most {MaxConfigFileBytes}");
        }
        var name = Path.GetFileName(path);
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return FromJson(document.RootElement, name);
        }
        catch (JsonException e)
        {
            throw new SettingsException($"{name}: not valid JSON: {e.Message}", e);
        }
    }

    private static Layer FromJson(JsonElement root, string file)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException($"{file}: the settings must be a JSON object, not {root.ValueKind}");
        }
        var layer = new Layer();
        foreach (var property in root.EnumerateObject())
        {
            var where = $"{file}: {property.Name}";
            switch (property.Name)
            {
                case "tls":
                    if (property.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw new SettingsException($"{where}: must be an object with \"certificate\" and \"key\"");
                    }
                    foreach (var tls in property.Value.EnumerateObject())
                    {
                        var key = Keys.FirstOrDefault(k => k.Json == "tls." + tls.Name)
                            ?? throw new SettingsException($"{where}.{tls.Name}: unknown setting (tls has \"certificate\" and \"key\")");
                        layer.Scalars[key.Name] = new Raw(Text(tls.Value, $"{where}.{tls.Name}"), $"{where}.{tls.Name}");
                    }
                    break;
                case "clusters":
                    layer.Clusters = new RawList([.. Array(property.Value, where).Select((e, i) => Text(e, $"{where}[{i}]"))], where);
                    break;
                case "proxies":
                    layer.Proxies = [.. Array(property.Value, where).Select((e, i) => ProxyFromJson(e, $"{where}[{i}]"))];
                    break;
                default:
                    var scalar = Keys.FirstOrDefault(k => k.Json == property.Name)
                        ?? throw new SettingsException($"{where}: unknown setting");
                    layer.Scalars[scalar.Name] = new Raw(Text(property.Value, where), where);
                    break;
            }
        }
        return layer;
    }

    private static RawProxy ProxyFromJson(JsonElement element, string where)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SettingsException($"{where}: a proxy is an object such as {{\"cluster\":\"ring\",\"port\":\"pb\",\"listen\":\"127.0.0.1:8087\"}}");
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            var spec = ProxyFields.FirstOrDefault(f => f.Value == property.Name).Key
                ?? throw new SettingsException($"{where}.{property.Name}: unknown proxy setting (known: {string.Join(", ", ProxyFields.Values)})");
            fields[spec] = Text(property.Value, $"{where}.{property.Name}");
        }
        return new RawProxy(fields, where, JsonNames: true);
    }

    /// <summary>"cluster/port=ip:port[,key=value...]".</summary>
    private static RawProxy ParseProxySpec(string spec, string source)
    {
        var equals = spec.IndexOf('=', StringComparison.Ordinal);
        var slash = equals < 0 ? -1 : spec.LastIndexOf('/', equals);
        if (equals < 0 || slash <= 0 || slash == equals - 1)
        {
            throw new SettingsException($"{source}: '{spec}' is not <cluster>/<port name>=<ip:port>[,key=value...]");
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cluster"] = spec[..slash],
            ["port"] = spec[(slash + 1)..equals],
        };
        var parts = spec[(equals + 1)..].Split(',');
        fields["listen"] = parts[0];
        foreach (var option in parts.Skip(1))
        {
            var eq = option.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? option : option[..eq];
            if (eq < 0 || !ProxyFields.ContainsKey(name) || name is "cluster" or "port" or "listen")
            {
                throw new SettingsException($"{source}: unknown proxy option '{name}' (known: balance, on-node-loss, max-connections, connect-timeout, connect-attempts, buffer-size, backlog, each as name=value)");
            }
            if (!fields.TryAdd(name, option[(eq + 1)..]))
            {
                throw new SettingsException($"{source}: proxy option '{name}' is given twice");
            }
        }
        return new RawProxy(fields, source, JsonNames: false);
    }

    private static Layer Merge(params Layer[] layers)
    {
        var merged = new Layer();
        foreach (var layer in layers)
        {
            foreach (var (name, raw) in layer.Scalars)
            {
                merged.Scalars[name] = raw;
            }
            merged.Clusters = layer.Clusters ?? merged.Clusters;
            merged.Proxies = layer.Proxies ?? merged.Proxies;
        }
        return merged;
    }

    private static SidecarSettings Build(Layer layer, Func<string, byte[]> readFile)
    {
        var zookeeper = layer.Scalars.GetValueOrDefault("zookeeper")
            ?? throw new SettingsException($"the ZooKeeper connect string is required: --zookeeper, {EnvironmentPrefix}ZOOKEEPER or \"zookeeper\" in the file");
        var settings = new SidecarSettings { ZooKeeper = zookeeper.Value };
        settings = Check(zookeeper, () => settings with { ZooKeeper = new RegistryOptions { ConnectString = zookeeper.Value, Framework = "f" }.ConnectString });
        if (layer.Scalars.TryGetValue("root", out var root))
        {
            settings = Check(root, () => settings with { Root = new RegistryPaths(root.Value, "f").Root });
        }
        if (layer.Scalars.TryGetValue("framework", out var framework))
        {
            settings = Check(framework, () => settings with { Framework = new RegistryPaths(RegistryPaths.DefaultRoot, framework.Value).Framework });
        }
        if (layer.Scalars.TryGetValue("digestFile", out var digest))
        {
            settings = settings with { Credentials = ReadDigest(digest, readFile) };
        }
        if (layer.Scalars.TryGetValue("sessionTimeout", out var timeout))
        {
            settings = Check(timeout, () => settings with { SessionTimeout = new RegistryOptions { ConnectString = "h:1", Framework = "f", SessionTimeout = MesosDuration.Parse(timeout.Value) }.SessionTimeout });
        }
        if (layer.Scalars.TryGetValue("grpc", out var grpc))
        {
            settings = settings with { Grpc = EndPoint(grpc) };
        }
        if (layer.Scalars.TryGetValue("http", out var http))
        {
            settings = settings with { Http = EndPoint(http) };
        }
        if (settings.Grpc.Port != 0 && settings.Grpc.Equals(settings.Http))
        {
            throw new SettingsException($"gRPC and HTTP must listen on different ports (both {settings.Grpc})");
        }
        layer.Scalars.TryGetValue("tlsCertificate", out var certificate);
        layer.Scalars.TryGetValue("tlsKey", out var key);
        if (key is not null && certificate is null)
        {
            throw new SettingsException($"{key.Source}: a TLS key needs a certificate");
        }
        settings = settings with { TlsCertificate = certificate?.Value, TlsKey = key?.Value };
        if (layer.Scalars.TryGetValue("logLevel", out var level))
        {
            settings = settings with { LogLevel = LogLevelOf(level) };
        }
        if (layer.Clusters is { } clusters)
        {
            foreach (var cluster in clusters.Values)
            {
                Check(new Raw(cluster, clusters.Source), () => { RegistryPaths.ValidateName(cluster, "cluster name"); return 0; });
            }
            settings = settings with { Clusters = [.. clusters.Values.Distinct(StringComparer.Ordinal)] };
        }
        if (layer.Proxies is { } proxies)
        {
            var built = proxies.Select(Proxy).ToList();
            var clash = built.GroupBy(p => p.Listen).FirstOrDefault(g => g.Key.Port != 0 && g.Count() > 1);
            if (clash is not null)
            {
                throw new SettingsException($"two proxies listen on {clash.Key}: {string.Join(" and ", clash.Select(p => p.Name))}");
            }
            settings = settings with { Proxies = built };
        }
        return settings;
    }

    private static ProxySettings Proxy(RawProxy raw)
    {
        string Where(string field) => raw.JsonNames ? $"{raw.Source}.{ProxyFields[field]}" : $"{raw.Source}: {field}";
        string Required(string field) => raw.Fields.TryGetValue(field, out var value) && value.Length > 0
            ? value
            : throw new SettingsException($"{Where(field)}: is required");
        var cluster = Required("cluster");
        var port = Required("port");
        var listen = EndPoint(new Raw(Required("listen"), Where("listen")));
        var proxy = Check(new Raw(cluster, Where("cluster")), () => new ProxySettings { Cluster = cluster, PortName = "x", Listen = listen });
        proxy = Check(new Raw(port, Where("port")), () => proxy with { PortName = port });
        foreach (var (field, value) in raw.Fields)
        {
            var source = new Raw(value, Where(field));
            proxy = field switch
            {
                "balance" => proxy with
                {
                    Balance = value switch
                    {
                        "round-robin" => BalanceMode.RoundRobin,
                        "least-connections" => BalanceMode.LeastConnections,
                        _ => throw new SettingsException($"{source.Source}: '{value}' is not round-robin or least-connections"),
                    },
                },
                "on-node-loss" => proxy with
                {
                    OnNodeLoss = value switch
                    {
                        "keep" => NodeLossPolicy.Keep,
                        "close" => NodeLossPolicy.Close,
                        _ => throw new SettingsException($"{source.Source}: '{value}' is not keep or close"),
                    },
                },
                "max-connections" => Check(source, () => proxy with { MaxConnections = Integer(source) }),
                "connect-timeout" => Check(source, () => proxy with { ConnectTimeout = MesosDuration.Parse(value) }),
                "connect-attempts" => Check(source, () => proxy with { ConnectAttempts = Integer(source) }),
                "buffer-size" => Check(source, () => proxy with { BufferSize = Integer(source) }),
                "backlog" => Check(source, () => proxy with { Backlog = Integer(source) }),
                _ => proxy,
            };
        }
        return proxy;
    }

    private static DigestCredentials ReadDigest(Raw digest, Func<string, byte[]> readFile)
    {
        byte[] bytes;
        try
        {
            bytes = readFile(digest.Value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"{digest.Source}: cannot read '{digest.Value}': {e.Message}", e);
        }
        if (bytes.Length > MaxDigestFileBytes)
        {
            throw new SettingsException($"{digest.Source}: '{digest.Value}' is {bytes.Length} bytes, not one \"user:password\" line");
        }
        // The message of a parse error never repeats the secret.
        return Check(new Raw("(secret)", digest.Source), () => DigestCredentials.Parse(System.Text.Encoding.UTF8.GetString(bytes).Trim()));
    }

    /// <summary>"ip:port" or "[ipv6]:port"; "localhost" and "*" stand for the loopback and every address.</summary>
    public static IPEndPoint EndPoint(Raw raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        var text = raw.Value;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new SettingsException($"{raw.Source}: '{text}' is not <ip>:<port>");
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        var address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.Any,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : throw new SettingsException($"{raw.Source}: '{host}' is not an IP address (or localhost, or *)"),
        };
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > IPEndPoint.MaxPort)
        {
            throw new SettingsException($"{raw.Source}: the port of '{text}' must be from 0 to 65535");
        }
        return new IPEndPoint(address, port);
    }

    private static int Integer(Raw raw) =>
        int.TryParse(raw.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new SettingsException($"{raw.Source}: '{raw.Value}' is not a whole number");

    private static LogLevel LogLevelOf(Raw raw) => raw.Value.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "information" or "info" => LogLevel.Information,
        "warning" or "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new SettingsException($"{raw.Source}: '{raw.Value}' is not trace, debug, information, warning or error"),
    };

    private static T Check<T>(Raw raw, Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            // ArgumentException messages end with "(Parameter 'x')": the source says which setting it was.
            var message = e.Message;
            var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            throw new SettingsException($"{raw.Source}: {(parameter > 0 ? message[..parameter] : message)}", e);
        }
    }

    private static string Text(JsonElement element, string where) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => throw new SettingsException($"{where}: must be a string or a number, not {element.ValueKind}"),
    };

    private static IEnumerable<JsonElement> Array(JsonElement element, string where) =>
        element.ValueKind == JsonValueKind.Array
            ? element.EnumerateArray()
            : throw new SettingsException($"{where}: must be an array, not {element.ValueKind}");

    /// <summary>One setting's text and where it came from.</summary>
    public sealed record Raw(string Value, string Source);

    private sealed record Key(string Name, string Flag, string Variable, string Json);

    private sealed record RawList(List<string> Values, string Source);

    private sealed record RawProxy(Dictionary<string, string> Fields, string Source, bool JsonNames);

    private sealed class Layer
    {
        public Dictionary<string, Raw> Scalars { get; } = new(StringComparer.Ordinal);

        public Raw? Config { get; set; }

        public RawList? Clusters { get; set; }

        public List<RawProxy>? Proxies { get; set; }
    }
}
