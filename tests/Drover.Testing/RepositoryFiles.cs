namespace Drover.Testing;

/// <summary>Files of this repository (Java sources of stand-ins, packaging scripts, the published executor), found from the test binaries upwards.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The checkout's root: the first directory above the running binaries that holds Drover.slnx.</summary>
    public static string Root => RootDirectory.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Drover.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Drover.slnx above {AppContext.BaseDirectory}: the tests need the repository");
    }
}
