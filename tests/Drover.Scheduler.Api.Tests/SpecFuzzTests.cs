using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Drover.Scheduler.Api.Tests.Fakes;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Scheduler.Api.Tests;

/// <summary>
/// PUT bodies an operator (or a broken script) could send: whatever arrives, the answer is a JSON verdict
/// (2xx, 400, 409 or 413), never a 500, and a refused body changes nothing.
/// </summary>
public class SpecFuzzTests
{
    private static readonly HttpStatusCode[] Verdicts =
        [HttpStatusCode.OK, HttpStatusCode.Created, HttpStatusCode.BadRequest, HttpStatusCode.Conflict, HttpStatusCode.RequestEntityTooLarge];

    private static readonly string[] NastyValues =
    [
        "null", "true", "false", "0", "-1", "1e400", "-1e400", "4.9e-324", "2147483648", "-2147483649", "9007199254740993",
        "\"\"", "\"\\u0000\"", "\"web\"", "\"GENERIC\"", "\"../../zookeeper\"", "\"/abs\"", "\"30secs\"", "\"-5mins\"", "\"1e9hrs\"",
        "\"((((((a\"", "\"[\"", "{}", "[]", "[null]", "[{}]", "{\"name\":1}", "{\"port\":0}", "\"" + new string('x', 9000) + "\"",
        new string('[', 64) + new string(']', 64), "{\"a\":" + new string('[', 40) + new string(']', 40) + "}",
    ];

    [Fact]
    public async Task Put_EveryTruncation_IsAVerdict()
    {
        await using var api = await TestApi.StartAsync();
        var bytes = Encoding.UTF8.GetBytes(Samples.WebJson);

        for (var length = 1; length < bytes.Length; length++)
        {
            var status = await PutAsync(api, bytes[..length]);
            Assert.True(status == HttpStatusCode.BadRequest, $"a spec cut at byte {length} got {status}");
        }

        Assert.Empty(api.Scheduler.Calls);
    }

    [Fact]
    public async Task Put_ValuesReplacedAnywhere_IsAVerdict()
    {
        await using var api = await TestApi.StartAsync();
        var paths = ValuePaths(JsonNode.Parse(Samples.WebJson)!, "").ToArray();
        var cases =
            from path in Gen.Elements(paths)
            from value in Gen.Elements(NastyValues)
            from asKey in Gen.Elements(false, false, false, true)
            select (path, value, asKey);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var body = Mutate(c.path, c.value, c.asKey);
            var status = PutAsync(api, body).GetAwaiter().GetResult();
            return Verdicts.Contains(status);
        }));
    }

    [Fact]
    public async Task Put_BytesFlippedOrInserted_IsAVerdict()
    {
        await using var api = await TestApi.StartAsync();
        var original = Encoding.UTF8.GetBytes(Samples.WebJson);
        var cases =
            from position in Gen.Choose(0, original.Length - 1)
            from value in Gen.Choose(0, 255)
            from insert in Gen.Elements(true, false)
            select (position, (byte)value, insert);

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(400), Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var body = c.insert
                ? [.. original[..c.position], c.Item2, .. original[c.position..]]
                : original.ToArray();
            if (!c.insert)
            {
                body[c.position] = c.Item2;
            }

            return Verdicts.Contains(PutAsync(api, body).GetAwaiter().GetResult());
        }));
    }

    [Theory]
    [InlineData("/v1/clusters/ring/scale")]
    [InlineData("/v1/clusters/ring/nodes/ring-0/admin")]
    public async Task Post_SmallBodiesFromJsonFragments_AreAVerdict(string path)
    {
        await using var api = await TestApi.StartAsync();
        api.Scheduler.Seed(Samples.Ring());
        string[] fragments = ["{", "}", "[", "]", ":", ",", "\"operation\"", "\"arguments\"", "\"count\"", "\"repair\"", "\"k\"",
            "null", "true", "1", "-1", "2147483648", "1.5", "\"\"", "\"x\"", "{\"k\":null}", "{\"k\":\"v\"}", "{\"count\":3}", "\"\\u0000\""];
        var bodies = Gen.ArrayOf(Gen.Elements(fragments)).Select(parts => string.Concat(parts));

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(bodies.ToArbitrary(), body =>
        {
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.ContentType = new("application/json");
            using var response = api.Client.PostAsync(path, content).GetAwaiter().GetResult();
            var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            Assert.True((int)response.StatusCode is 202 or 400 or 413, $"{(int)response.StatusCode} for {body}: {text}");
            using var json = JsonDocument.Parse(text);
            return true;
        }));
    }

    private static async Task<HttpStatusCode> PutAsync(TestApi api, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await api.Client.PutAsync("/v1/clusters/web", content);
        var text = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(text);
        Assert.True(response.StatusCode != HttpStatusCode.InternalServerError, $"500 for {Encoding.UTF8.GetString(body)}: {text}");
        if ((int)response.StatusCode >= 400)
        {
            Assert.True(json.RootElement.TryGetProperty("error", out _), text);
        }

        return response.StatusCode;
    }

    /// <summary>Every value's path in the document ("resources.cpus", "ports[1].name").</summary>
    private static IEnumerable<string> ValuePaths(JsonNode node, string path)
    {
        yield return path;
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj)
            {
                foreach (var inner in child is null ? [Join(path, key)] : ValuePaths(child, Join(path, key)))
                {
                    yield return inner;
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var inner in array[i] is null ? [$"{path}[{i}]"] : ValuePaths(array[i]!, $"{path}[{i}]"))
                {
                    yield return inner;
                }
            }
        }
    }

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    /// <summary>The web spec with the value at <paramref name="path"/> replaced by raw JSON text (or a new key beside it).</summary>
    private static byte[] Mutate(string path, string raw, bool asKey)
    {
        const string Marker = "\"__fuzz_marker__\"";
        var root = JsonNode.Parse(Samples.WebJson)!;
        if (path.Length == 0)
        {
            return Encoding.UTF8.GetBytes(raw);
        }

        var parent = root;
        var steps = path.Replace("[", ".[", StringComparison.Ordinal).Split('.');
        foreach (var step in steps[..^1])
        {
            parent = step.StartsWith('[') ? parent[int.Parse(step[1..^1], System.Globalization.CultureInfo.InvariantCulture)]! : parent[step]!;
        }

        var last = steps[^1];
        if (asKey && parent is JsonObject target)
        {
            target["x_" + last] = "__fuzz_marker__";
        }
        else if (last.StartsWith('['))
        {
            parent[int.Parse(last[1..^1], System.Globalization.CultureInfo.InvariantCulture)] = "__fuzz_marker__";
        }
        else
        {
            parent[last] = "__fuzz_marker__";
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString().Replace(Marker, raw, StringComparison.Ordinal));
    }
}
