using System.Text;
using System.Text.RegularExpressions;
using Drover.Executor.Tasks;

namespace Drover.Executor.Personalities.Cassandra;

/// <summary>
/// Our cassandra-env.sh: the install's own, with its JMX_PORT assignment replaced by the task's port.
/// </summary>
/// <remarks>
/// Stock cassandra-env.sh assigns <c>JMX_PORT="7199"</c> unconditionally and then builds
/// <c>-Dcassandra.jmx.local.port=$JMX_PORT</c> from it, so neither an environment variable nor JVM_EXTRA_OPTS
/// can move the port cleanly (a second -D would rely on "last one wins"). bin/cassandra sources
/// <c>$CASSANDRA_CONF/cassandra-env.sh</c>, and we point CASSANDRA_CONF at the rendered directory: the copy
/// with our line is the one that runs, and nodetool (which greps JMX_PORT out of the same file) agrees with it.
/// Every assignment is replaced (not only the first), so a later one cannot win.
/// </remarks>
internal static partial class CassandraEnvScript
{
    public static string Render(string stock, string stockPath, int jmxPort)
    {
        var replaced = 0;
        var lines = stock.Split('\n');
        var output = new StringBuilder(stock.Length + 200);
        output.Append("# Derived by drover-executor from ").Append(stockPath).Append(": JMX_PORT set to the task's 'jmx' port.\n");
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (Assignment().IsMatch(line))
            {
                output.Append("JMX_PORT=\"").Append(CassandraSettings.Invariant(jmxPort)).Append("\"  # Drover (was: ").Append(line.Trim()).Append(')');
                replaced++;
            }
            else
            {
                output.Append(line);
            }

            if (i < lines.Length - 1)
            {
                output.Append('\n');
            }
        }

        return replaced > 0
            ? output.ToString()
            : throw new LaunchException($"{stockPath} has no JMX_PORT= assignment: Drover cannot give Cassandra the task's JMX port (is install_dir a Cassandra install?)");
    }

    /// <summary>A shell assignment of JMX_PORT at the start of a line (indented or not), not a comment or a use.</summary>
    [GeneratedRegex(@"^\s*(export\s+)?JMX_PORT=")]
    private static partial Regex Assignment();
}
