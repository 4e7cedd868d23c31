using Spectre.Console;
using Spectre.Console.Rendering;

namespace Drover.Cli;

/// <summary>Table cells and colours shared by the commands. Data is always plain text, never parsed as markup.</summary>
internal static class Output
{
    public static Table Table(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(new Text(header, new Style(decoration: Decoration.Bold))));
        }

        return table;
    }

    public static IRenderable Cell(string? text) => new Text(string.IsNullOrEmpty(text) ? "-" : text);

    /// <summary>A state word in the colour of what it means (green done/running, blue moving, yellow attention, red trouble).</summary>
    public static IRenderable State(string state) => new Text(state, new Style(Colour(state)));

    public static IRenderable Health(bool? healthy) => healthy switch
    {
        true => new Text("healthy", new Style(Color.Green)),
        false => new Text("unhealthy", new Style(Color.Red)),
        null => new Text("unknown", new Style(Color.Grey)),
    };

    public static Color Colour(string state) => state switch
    {
        "RUNNING" or "COMPLETE" or "SUCCEEDED" or "SUBSCRIBED" or "OK" => Color.Green,
        "IN_PROGRESS" or "STARTING" or "LAUNCHING" or "SENT" or "RECONCILING" => Color.Blue,
        "INTERRUPTED" or "KILLING" or "LEAVING" or "STOPPED" or "SUBSCRIBING" => Color.Yellow,
        "ERROR" or "LOST" or "FAILED" or "REJECTED" or "TIMED_OUT" or "REFUSED" => Color.Red,
        _ => Color.Default,
    };

    public static string Endpoints(IReadOnlyDictionary<string, string> endpoints) =>
        endpoints.Count == 0 ? "-" : string.Join("\n", endpoints.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value}"));

    public static string Ago(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } then)
        {
            return "never";
        }

        var seconds = Math.Max(0, (now - then).TotalSeconds);
        return seconds switch
        {
            < 120 => $"{seconds:0} s ago",
            < 7200 => $"{seconds / 60:0} min ago",
            _ => $"{seconds / 3600:0} h ago",
        };
    }
}
