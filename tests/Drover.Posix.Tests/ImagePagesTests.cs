using System.Globalization;

namespace Drover.Posix.Tests;

/// <summary>Which mappings of the image may be dropped (read-only, no private page), and dropping them in a live process.</summary>
public class ImagePagesTests
{
    private const string Image = "/opt/drover/drover-executor";

    // The shape of a NativeAOT executable's mappings in /proc/PID/smaps (trimmed to the fields that matter).
    private static readonly string[] Smaps =
    [
        "55e2212d9000-55e221852000 r-xp 00000000 08:01 1234                       /opt/drover/drover-executor",
        "Size:               5604 kB",
        "Rss:                4636 kB",
        "Anonymous:             0 kB",
        "VmFlags: rd ex mr mw me sd",
        "55e221852000-55e221afe000 r--p 00579000 08:01 1234                       /opt/drover/drover-executor",
        "Rss:                2332 kB",
        "Anonymous:             0 kB",
        "55e221afe000-55e221aff000 r--p 00825000 08:01 1234                       /opt/drover/drover-executor",
        "Rss:                   4 kB",
        "Anonymous:             4 kB",
        "55e221aff000-55e221d75000 rw-p 00826000 08:01 1234                       /opt/drover/drover-executor",
        "Rss:                1944 kB",
        "Anonymous:            12 kB",
        "55e221d9c000-55e222033000 rw-p 00000000 00:00 0 ",
        "Rss:                2580 kB",
        "Anonymous:          2580 kB",
        "7f5e5036d000-7f5e504c3000 r-xp 00026000 08:01 99                         /usr/lib/x86_64-linux-gnu/libc.so.6",
        "Rss:                1228 kB",
        "Anonymous:             0 kB",
        "7f5e50600000-7f5e50601000 r--p 00000000 08:01 77                         /opt/drover/drover-executor (deleted)",
        "Rss:                   4 kB",
        "Anonymous:             0 kB",
    ];

    [Fact]
    public void Releasable_TakesTheImagesReadOnlyMappingsWithoutPrivatePages_Only()
    {
        var chosen = ImagePages.Releasable(Smaps, Image);

        Assert.Equal(
            [new ImageMapping(0x55e2212d9000, 0x55e221852000, "r-xp", 4636), new ImageMapping(0x55e221852000, 0x55e221afe000, "r--p", 2332)],
            chosen);
    }

    [Fact]
    public void Releasable_AMappingWhoseSizesAreMissing_IsNotTaken()
    {
        Assert.Empty(ImagePages.Releasable([Smaps[0], Smaps[1], Smaps[2]], Image)); // no Anonymous line: it may hold private pages
        Assert.Empty(ImagePages.Releasable([Smaps[0]], Image));
    }

    [Fact]
    public void Releasable_AnyMangledLines_AreSkipped_NeverACrash()
    {
        var random = new Random(14);
        var pieces = Smaps.Concat(["", " ", ":", "Rss:", "Rss: x kB", "Rss: -1 kB", "Anonymous: 99999999999999999999 kB", "zz-yy r-xp 0 0 0 " + Image,
            "1-0 r-xp 0 0 0 " + Image, "-1 r-xp 0 0 0 " + Image, "1- r--p", "\0\x7F", "55e2212d9000-55e221852000 r-x 0 0 0 " + Image]).ToArray();
        for (var run = 0; run < 2000; run++)
        {
            var lines = Enumerable.Range(0, random.Next(0, 30)).Select(_ => Mangle(pieces[random.Next(pieces.Length)], random)).ToList();

            var chosen = ImagePages.Releasable(lines, Image);

            Assert.All(chosen, m => Assert.True(m.End > m.Start && m.ResidentKiB >= 0 && m.Permissions is "r-xp" or "r--p"));
        }
    }

    [Fact]
    public void Release_InThisProcess_DropsTheImagesResidentPages()
    {
        var image = Environment.ProcessPath!;
        var before = ImagePages.Releasable(File.ReadLines("/proc/self/smaps"), image);
        Assert.NotEmpty(before); // the test host's own code is mapped read-only from its file

        var released = ImagePages.Release();

        Assert.Equal(before.Sum(m => m.ResidentKiB), released);
        var after = ImagePages.Releasable(File.ReadLines("/proc/self/smaps"), image).Sum(m => m.ResidentKiB);
        Assert.True(after < Math.Max(released, 1), string.Create(CultureInfo.InvariantCulture, $"{after} KiB of the image resident after releasing {released} KiB"));
    }

    private static string Mangle(string line, Random random) => random.Next(4) switch
    {
        0 when line.Length > 0 => line[..random.Next(line.Length)],
        1 when line.Length > 0 => line.Remove(random.Next(line.Length), 1).Insert(random.Next(line.Length), ((char)random.Next(0, 128)).ToString()),
        _ => line,
    };
}
