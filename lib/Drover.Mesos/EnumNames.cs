using System.Collections.Concurrent;
using System.Text;

namespace Drover.Mesos;

/// <summary>
/// An enum value's name as Mesos and Drover's JSON spell it, upper snake case (<c>TaskRunning</c> is
/// <c>TASK_RUNNING</c>, <c>InProgress</c> is <c>IN_PROGRESS</c>), for logs, metric labels and API fields.
/// Each name is built once; the set of values is small and fixed, so the cache is bounded.
/// </summary>
public static class EnumNames<T>
    where T : struct, Enum
{
    private static readonly ConcurrentDictionary<T, string> Names = new();

    public static string Of(T value) => Names.GetOrAdd(value, static v => ToUpperSnake(v.ToString()));

    private static string ToUpperSnake(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        for (var i = 0; i < text.Length; i++)
        {
            if (i > 0 && char.IsUpper(text[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(text[i]));
        }

        return builder.ToString();
    }
}
