using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Drover.Sidecar.Tests.Support;
using Grpc.Net.Client;

namespace Drover.Sidecar.Tests;

/// <summary>With a certificate configured, gRPC and HTTP are served over TLS.</summary>
[Collection(SidecarCollection.Name)]
public sealed class TlsTests(SidecarFixture zk) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("drover-sidecar-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task WithACertificate_GrpcAndHttpAreServedOverTls()
    {
        var framework = SidecarFixture.UniqueFramework();
        await using var client = await zk.ClientAsync();
        await new RegistryWriter(client, framework).PutAsync(Nodes.Record("ring", "a"));
        var (certificate, key, thumbprint) = SelfSigned();
        var settings = zk.Settings(framework) with { TlsCertificate = certificate, TlsKey = key };
        await using var sidecar = await RunningSidecar.StartAsync(settings);

        using var handler = new HttpClientHandler
        {
            // Trust exactly the test's certificate.
            ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented?.Thumbprint == thumbprint,
        };
        using var channel = GrpcChannel.ForAddress($"https://{sidecar.App.GrpcEndPoint}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
        var discovery = new V1.Discovery.DiscoveryClient(channel);
        await Drover.Testing.Eventually.TrueAsync(async () => (await discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" })).Nodes.Count == 1, "the node over TLS");

        using var http = new HttpClient(handler, disposeHandler: false);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri($"https://{sidecar.App.HttpEndPoint}/metrics"))).StatusCode);
        // Cleartext is refused on the TLS endpoint.
        await Assert.ThrowsAnyAsync<Exception>(() => sidecar.Discovery.ListNodesAsync(new V1.ListNodesRequest { Cluster = "ring" }).ResponseAsync);
    }

    private (string Certificate, string Key, string Thumbprint) SelfSigned()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        var certificatePath = Path.Combine(_directory, "sidecar.pem");
        var keyPath = Path.Combine(_directory, "sidecar.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, rsa.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath, certificate.Thumbprint);
    }
}
