using System.Diagnostics;
using Drover.Testing;

namespace Drover.Scheduler.Api.Tests;

/// <summary>
/// Debian's headless Chromium (installed by .ci/run), run once per page: the DOM after the page's scripts ran,
/// or a screenshot. Virtual time lets the page's fetches and first timers finish before the dump.
/// </summary>
public static class Chromium
{
    public const string Binary = "/usr/bin/chromium";

    public static async Task<string> DumpDomAsync(string url) => (await RunAsync(["--dump-dom", url])).Output;

    /// <summary>Saves a PNG of the page to <paramref name="path"/>.</summary>
    public static async Task ScreenshotAsync(string url, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.Delete(path);
        var (exit, output) = await RunAsync([$"--screenshot={path}", "--window-size=1280,900", "--hide-scrollbars", url]);
        Assert.True(File.Exists(path), $"chromium (exit {exit}) wrote no screenshot: {output}");
    }

    /// <summary>Where artefacts a person should look at are kept: artifacts/test-results/ under the repository (tests/run.sh's results directory).</summary>
    public static string ArtefactPath(string name) => Path.Combine(RepositoryFiles.Root, "artifacts", "test-results", "console", name);

    private static async Task<(int Exit, string Output)> RunAsync(IEnumerable<string> arguments)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install the Debian package 'chromium' (.ci/run does)");
        }

        var profile = Directory.CreateTempSubdirectory("drover-chromium-");
        try
        {
            var start = new ProcessStartInfo(Binary)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                $"--user-data-dir={profile.FullName}", "--virtual-time-budget=10000", .. arguments])
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"chromium did not finish within 120 s: {await stderr}");
            }

            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"chromium exited {process.ExitCode}: {await stderr}");
            return (process.ExitCode, output);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
