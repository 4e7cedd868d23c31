using System.CommandLine;
using Drover.Cli.Api;
using Spectre.Console;

namespace Drover.Cli;

/// <summary>The options every command has, wherever they are written on the line.</summary>
internal static class GlobalOptions
{
    public const string DefaultUrl = "http://127.0.0.1:8090";

    public static readonly Option<string?> Url = new("--url")
    {
        Description = $"The scheduler's API (else $DROVER_URL, else {DefaultUrl})",
        Recursive = true,
    };

    public static readonly Option<string?> TokenFile = new("--token-file")
    {
        Description = "A file holding the API token (else $DROVER_TOKEN, else the file named by $DROVER_TOKEN_FILE)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print the API's JSON instead of tables (for scripts)",
        Recursive = true,
    };

    public static readonly Option<int> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for each answer of the scheduler",
        Recursive = true,
        DefaultValueFactory = _ => 30,
    };

    public static void AddTo(Command root)
    {
        root.Options.Add(Url);
        root.Options.Add(TokenFile);
        root.Options.Add(Json);
        root.Options.Add(Timeout);
    }
}

/// <summary>One command's run: its connection to the scheduler and where it writes.</summary>
internal sealed class Session : IDisposable
{
    /// <summary>A token file is a line of text.</summary>
    private const int MaxTokenFileBytes = 4096;

    private Session(CliHost host, ApiClient api, bool json)
    {
        Host = host;
        Api = api;
        Json = json;
    }

    public CliHost Host { get; }

    public ApiClient Api { get; }

    public bool Json { get; }

    public IAnsiConsole Console => Host.Console;

    /// <summary>Runs <paramref name="command"/> with a session made from the parsed global options.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CliHost host, CancellationToken cancellationToken, Func<Session, CancellationToken, Task<int>> command)
    {
        using var session = Open(parse, host);
        return await command(session, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Prints raw JSON (the API's own text) on stdout.</summary>
    public void WriteJson(string json) => Host.Output.WriteLine(json);

    /// <summary>A line for people: on stdout, unless --json keeps stdout for JSON (then stderr).</summary>
    public void Say(string text)
    {
        if (Json)
        {
            Host.Error.WriteLine(text);
        }
        else
        {
            Console.WriteLine(text);
        }
    }

    public void Dispose() => Api.Dispose();

    private static Session Open(ParseResult parse, CliHost host)
    {
        var text = parse.GetValue(GlobalOptions.Url) ?? host.Environment("DROVER_URL") ?? GlobalOptions.DefaultUrl;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{text}' is not the scheduler's URL: http://host:port");
        }

        var timeout = parse.GetValue(GlobalOptions.Timeout);
        if (timeout is < 1 or > 3600)
        {
            throw new CliException(ExitCodes.Usage, $"--timeout {timeout}: give 1..3600 seconds");
        }

        return new Session(host, new ApiClient(url, Token(parse, host), TimeSpan.FromSeconds(timeout)), parse.GetValue(GlobalOptions.Json));
    }

    /// <summary>--token-file, else $DROVER_TOKEN, else the file $DROVER_TOKEN_FILE names; none: no token.</summary>
    private static string? Token(ParseResult parse, CliHost host)
    {
        if (parse.GetValue(GlobalOptions.TokenFile) is { } file)
        {
            return ReadTokenFile(file);
        }

        if (host.Environment("DROVER_TOKEN") is { Length: > 0 } token)
        {
            return token.Trim();
        }

        return host.Environment("DROVER_TOKEN_FILE") is { Length: > 0 } path ? ReadTokenFile(path) : null;
    }

    private static string ReadTokenFile(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Exists && info.Length > MaxTokenFileBytes)
            {
                throw new CliException(ExitCodes.Usage, $"{path} is {info.Length} bytes: not a token file");
            }

            var token = File.ReadAllText(path).Trim();
            return token.Length > 0 ? token : throw new CliException(ExitCodes.Usage, $"the token file {path} is empty");
        }
        catch (IOException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read the token file: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new CliException(ExitCodes.Usage, $"cannot read the token file: {e.Message}");
        }
    }
}
