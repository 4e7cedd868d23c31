using System.Net;
using Drover.Metrics;
using Drover.Scheduler.Api.Tests.Fakes;

namespace Drover.Scheduler.Api.Tests;

public class OptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:8090", "127.0.0.1", 8090, true)]
    [InlineData("localhost:8090", "127.0.0.1", 8090, true)]
    [InlineData("[::1]:8091", "::1", 8091, true)]
    [InlineData("0.0.0.0:80", "0.0.0.0", 80, false)]
    [InlineData("*:8090", "::", 8090, false)]
    [InlineData(":8090", "::", 8090, false)]
    [InlineData("[::]:0", "::", 0, false)]
    [InlineData("10.1.2.3:8090", "10.1.2.3", 8090, false)]
    public void ListenAddress_Parse_KnowsLoopback(string text, string address, int port, bool loopback)
    {
        var listen = ListenAddress.Parse(text);

        Assert.Equal(IPAddress.Parse(address), listen.Address);
        Assert.Equal(port, listen.Port);
        Assert.Equal(loopback, listen.IsLoopback);
    }

    [Theory]
    [InlineData("8090")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:-1")]
    [InlineData("scheduler.example:8090")]
    [InlineData("::1:8090")]
    [InlineData("")]
    public void ListenAddress_Parse_RefusesWhatIsNotAnAddress(string text)
    {
        var e = Assert.Throws<FormatException>(() => ListenAddress.Parse(text));

        Assert.Contains("listen address", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_NonLoopbackWithoutToken_IsRefusedBeforeListening()
    {
        var options = new OperatorApiOptions { Listen = ListenAddress.Parse("0.0.0.0:0") };

        var e = await Assert.ThrowsAsync<ApiConfigurationException>(() => OperatorApi.StartAsync(new FakeScheduler(), options, new MetricRegistry()));

        Assert.Contains("without a token", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_AnyAddressWithToken_Serves()
    {
        var options = new OperatorApiOptions { Listen = ListenAddress.Parse("0.0.0.0:0"), Token = OperatorToken.FromSecret(TestApi.Token) };

        await using var server = await OperatorApi.StartAsync(new FakeScheduler(), options, new MetricRegistry());
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.Url.Port}") };
        using var response = await client.GetAsync("/v1/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public void Token_ReadFile_TakesTheLineWithoutItsBreak()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, TestApi.Token + "\n");

            var token = OperatorToken.ReadFile(path);

            Assert.True(token.Matches(TestApi.Token));
            Assert.False(token.Matches(TestApi.Token + "\n"));
            Assert.False(token.Matches(TestApi.Token.AsSpan(0, TestApi.Token.Length - 1)));
            Assert.False(token.Matches(""));
            Assert.DoesNotContain(TestApi.Token, token.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("short")]
    [InlineData("has a space inside it, long enough")]
    [InlineData("")]
    public void Token_FromFile_RefusesWeakOrUnsendableTokens(string secret)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, secret);

            var e = Assert.Throws<FormatException>(() => OperatorToken.ReadFile(path));

            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Token_ReadFile_MissingFileSaysWhich()
    {
        var e = Assert.Throws<FileNotFoundException>(() => OperatorToken.ReadFile("/nonexistent/drover.token"));

        Assert.Contains("/nonexistent/drover.token", e.Message, StringComparison.Ordinal);
    }
}
