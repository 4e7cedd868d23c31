using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Quobyte;

/// <summary>The Quobyte services a node may run, by the name Quobyte gives them (quobyte-&lt;name&gt;, &lt;name&gt;.cfg).</summary>
public enum QuobyteService
{
    Registry,
    Metadata,
    Data,
    Api,
    Webconsole,
}

public static class QuobyteServices
{
    /// <summary>NodeSpec.config key naming the service.</summary>
    public const string ConfigKey = "service";

    public static IReadOnlyList<QuobyteService> All { get; } = Enum.GetValues<QuobyteService>();

    public static string Name(this QuobyteService service) => service switch
    {
        QuobyteService.Registry => "registry",
        QuobyteService.Metadata => "metadata",
        QuobyteService.Data => "data",
        QuobyteService.Api => "api",
        QuobyteService.Webconsole => "webconsole",
        _ => throw new ArgumentOutOfRangeException(nameof(service), service, null),
    };

    /// <summary>Services that keep data on devices under the data directory.</summary>
    public static bool HasDevices(this QuobyteService service) =>
        service is QuobyteService.Registry or QuobyteService.Metadata or QuobyteService.Data;

    /// <summary>The port beyond rpc and http that a service serves, named as in its cfg (api.port, webconsole.port).</summary>
    public static string? ExtraPortName(this QuobyteService service) => service switch
    {
        QuobyteService.Api => "api",
        QuobyteService.Webconsole => "webconsole",
        _ => null,
    };

    /// <summary>NodeSpec.config["service"], required; an unknown name fails the launch naming it and the choices.</summary>
    public static QuobyteService From(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!context.Node.Config.TryGetValue(ConfigKey, out var name) || name.Length == 0)
        {
            throw new LaunchException($"a QUOBYTE node needs NodeSpec.config['{ConfigKey}'], one of {Choices()}");
        }

        foreach (var service in All)
        {
            if (service.Name() == name)
            {
                return service;
            }
        }

        throw new LaunchException($"NodeSpec.config['{ConfigKey}'] = '{name}' is not a Quobyte service; it must be one of {Choices()}");
    }

    private static string Choices() => string.Join(", ", All.Select(s => s.Name()));
}
