namespace Drover.Scheduler;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("drover-scheduler: the program's command line is not built yet");
        return args.Length == 0 ? 2 : 2;
    }
}
