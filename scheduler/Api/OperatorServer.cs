using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Drover.Scheduler.Api;

/// <summary>The running operator API: where it listens (the bound port when 0 was asked), and how to stop it.</summary>
public sealed class OperatorServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _disposed;

    internal OperatorServer(WebApplication app)
    {
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            ?? throw new InvalidOperationException("Kestrel did not report the address it listens on");
        Url = new Uri(addresses.First());
    }

    /// <summary>E.g. http://127.0.0.1:8090 (an any-address listener shows as [::]).</summary>
    public Uri Url { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
