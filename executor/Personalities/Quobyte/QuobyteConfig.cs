using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Quobyte;

/// <summary>
/// Quobyte's key=value files: host.cfg (registry=) and &lt;service&gt;.cfg (rpc.port, http.port, ...).
/// Values never hold a line break, so a value cannot smuggle in a second key.
/// NodeSpec.config entries "cfg.&lt;key&gt;" add &lt;key&gt;=value to the service's file, unless the
/// personality sets that key itself.
/// </summary>
public static class QuobyteConfig
{
    public const string HostFile = "host.cfg";
    public const string OverridePrefix = "cfg.";

    public static string ServiceFile(QuobyteService service) => service.Name() + ".cfg";

    public static string RenderHost(IReadOnlyList<string> registry) =>
        Render([new("registry", string.Join(',', registry))]);

    public static string RenderService(IReadOnlyList<KeyValuePair<string, string>> managed, IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(managed);
        ArgumentNullException.ThrowIfNull(config);
        var lines = managed.ToList();
        foreach (var (key, value) in config.Where(p => p.Key.StartsWith(OverridePrefix, StringComparison.Ordinal)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var name = key[OverridePrefix.Length..];
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                throw new LaunchException($"NodeSpec.config key '{key}' does not name a Quobyte setting (letters, digits, '.', '_', '-')");
            }

            if (managed.Any(m => m.Key == name))
            {
                throw new LaunchException($"NodeSpec.config['{key}'] sets '{name}', which the QUOBYTE personality derives from the task");
            }

            lines.Add(new(name, value));
        }

        return Render(lines);
    }

    /// <summary>A stable service uuid per cluster, node and service (name-based, SHA-1, as RFC 4122 version 5).</summary>
    public static Guid ServiceUuid(string cluster, string node, QuobyteService service)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes($"drover/{cluster}/{node}/{service.Name()}"));
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    private static string Render(IEnumerable<KeyValuePair<string, string>> lines)
    {
        var text = new StringBuilder("# Rendered by Drover for this task; edits are lost at the next launch.\n");
        foreach (var (key, value) in lines)
        {
            if (value.Any(c => c is '\n' or '\r'))
            {
                throw new LaunchException($"the Quobyte setting '{key}' has a line break in its value");
            }

            text.Append(CultureInfo.InvariantCulture, $"{key}={value}\n");
        }

        return text.ToString();
    }
}
