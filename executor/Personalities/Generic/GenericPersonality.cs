using Drover.Executor.Tasks;
using Drover.V1;

namespace Drover.Executor.Personalities.Generic;

/// <summary>
/// Any command: NodeSpec.command as given (Mesos' shell or argv form), in NodeSpec.command.working_directory
/// under the sandbox; its checks are NodeSpec.health_checks (any kind) and TaskInfo.health_check.
/// </summary>
public sealed class GenericPersonality : IPersonality
{
    public ServiceKind Kind => ServiceKind.Generic;

    public ServicePlan Plan(PersonalityContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Node.Command is not { } command || (command.Value.Length == 0 && command.Arguments.Count == 0))
        {
            throw new LaunchException("NodeSpec.command is empty: a GENERIC node needs a command to run");
        }

        var (executable, argv) = LaunchPlanner.CommandLine(command.Shell, command.Value, command.Arguments);
        return new ServicePlan
        {
            Executable = executable,
            Arguments = argv,
            Environment = new Dictionary<string, string>(command.Environment, StringComparer.Ordinal),
            WorkingDirectory = LaunchPlanner.WorkingDirectory(context.Sandbox, command.WorkingDirectory),
        };
    }
}
