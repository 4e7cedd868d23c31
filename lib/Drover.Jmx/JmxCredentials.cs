namespace Drover.Jmx;

/// <summary>
/// JMX username and password. They reach the helper as the first line on its stdin, never in argv (which
/// anyone on the host can read with ps). <see cref="ToString"/> leaves the password out.
/// </summary>
public sealed record JmxCredentials(string Username, string Password)
{
    public override string ToString() => $"JmxCredentials {{ Username = {Username}, Password = *** }}";
}
