using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace Drover.Posix.Tests;

public class RotatingLogFileTests
{
    // Up to 40 lines: rotation renames every kept file, so the keep-everything run is quadratic in rotations.
    /// <summary>One generated case: line lengths (the last may lack its newline), write chunk sizes, the limit.</summary>
    public sealed record Case(int[] LineLengths, bool EndsWithNewline, int[] Chunks, int MaxBytes)
    {
        public override string ToString() =>
            $"max {MaxBytes}, lines [{string.Join(",", LineLengths)}]{(EndsWithNewline ? "" : " (open)")}, chunks [{string.Join(",", Chunks)}]";
    }

    private static readonly Arbitrary<Case> Cases =
        (from maxBytes in Gen.Choose(16, 120)
         from count in Gen.Choose(0, 40)
         from lines in Gen.ListOf(Gen.Frequency((6, Gen.Choose(0, 40)), (2, Gen.Choose(41, 130)), (1, Gen.Choose(131, 300))), count)
         from endsWithNewline in Gen.Elements(true, false)
         from chunks in Gen.NonEmptyListOf(Gen.Frequency((4, Gen.Choose(1, 20)), (2, Gen.Choose(21, 200)), (1, Gen.Choose(201, 2000))))
         select new Case([.. lines], endsWithNewline, [.. chunks], maxBytes)).ToArbitrary();

    [Fact]
    public void Rotation_NeverLosesOrSplitsLines_AndKeepsTheConfiguredCount()
    {
        Prop.ForAll(Cases, Holds).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    private static bool Holds(Case c)
    {
        var input = Build(c);
        using var dir = TempDirectory.InMemory();

        var all = WriteAll(dir.File("all.log"), c, input, maxFiles: RotatingLogFile.MaxMaxFiles);
        var joined = all.SelectMany(f => f).ToArray();
        Assert.Equal(input, joined);

        long position = 0;
        for (var i = 0; i < all.Count; i++)
        {
            var file = all[i];
            var live = i == all.Count - 1;
            Assert.True(file.Length <= c.MaxBytes, $"file {i} has {file.Length} bytes; the limit is {c.MaxBytes}");
            Assert.True(live || file.Length > 0, $"rotated file {i} is empty");
            position += file.Length;
            if (!live && file[^1] != (byte)'\n')
            {
                var line = LineLengthAround(input, position - 1);
                Assert.True(line > c.MaxBytes, $"file {i} cuts a line of {line} bytes, which would fit in {c.MaxBytes}");
            }
        }

        // With few files kept, the same cuts happen and only the newest files remain.
        const int Kept = 2;
        var few = WriteAll(dir.File("few.log"), c, input, maxFiles: Kept);
        Assert.Equal(all.Skip(Math.Max(0, all.Count - (Kept + 1))).Select(Convert.ToHexString), few.Select(Convert.ToHexString));
        Assert.False(File.Exists(dir.File("few.log." + (Kept + 1))));
        return true;
    }

    [Fact]
    public void Reopen_ContinuesAPartialLineWithoutSplittingIt()
    {
        using var dir = new TempDirectory();
        var path = dir.File("svc.log");
        using (var log = new RotatingLogFile(path, maxBytes: 20, maxFiles: 3))
        {
            log.Write("0123456789\nabc"u8);
        }

        using (var log = new RotatingLogFile(path, maxBytes: 20, maxFiles: 3))
        {
            Assert.Equal(14, log.Length);
            log.Write("defghij\n"u8); // "abcdefghij\n" no longer fits after the first line: it moves
        }

        Assert.Equal("0123456789\n", File.ReadAllText(path + ".1"));
        Assert.Equal("abcdefghij\n", File.ReadAllText(path));
    }

    [Fact]
    public void Reopen_FileAboveTheLimit_RotatesItAway()
    {
        using var dir = new TempDirectory();
        var path = dir.File("svc.log");
        File.WriteAllText(path, new string('x', 100) + "\n");

        using var log = new RotatingLogFile(path, maxBytes: 50, maxFiles: 1);
        log.Write("new\n"u8);

        Assert.Equal(101, new FileInfo(path + ".1").Length);
        Assert.Equal("new\n", File.ReadAllText(path));
    }

    [Fact]
    public void Defaults_AreTenMebibytesAndFiveFiles()
    {
        using var dir = new TempDirectory();
        using var log = new RotatingLogFile(dir.File("x"));

        Assert.Equal(10 * 1024 * 1024, log.MaxBytes);
        Assert.Equal(5, log.MaxFiles);
        Assert.Equal(dir.File("x.3"), log.RotatedPath(3));
    }

    [Theory]
    [InlineData(15, 1)]
    [InlineData(0, 1)]
    [InlineData(100, 0)]
    [InlineData(100, 1001)]
    public void Constructor_RejectsLimitsOutOfRange(long maxBytes, int maxFiles)
    {
        using var dir = new TempDirectory();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RotatingLogFile(dir.File("x"), maxBytes, maxFiles));
        Assert.Contains(maxBytes < 16 ? "at least 16" : "1 to 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_AfterDispose_Throws()
    {
        using var dir = new TempDirectory();
        var log = new RotatingLogFile(dir.File("x"));
        log.Dispose();

        Assert.Throws<ObjectDisposedException>(() => log.Write("x"u8));
    }

    [Fact]
    public void Write_FromManyThreads_KeepsEveryLineWhole()
    {
        using var dir = new TempDirectory();
        var path = dir.File("mt.log");
        using (var log = new RotatingLogFile(path, maxBytes: 4096, maxFiles: RotatingLogFile.MaxMaxFiles))
        {
            Parallel.For(0, 8, t =>
            {
                for (var i = 0; i < 500; i++)
                {
                    log.Write(Encoding.ASCII.GetBytes($"thread {t} line {i}\n"));
                }
            });
        }

        var lines = Directory.GetFiles(dir.Path).SelectMany(File.ReadAllLines).ToArray();
        Assert.Equal(4000, lines.Length);
        Assert.Equal(4000, lines.Distinct().Count());
        Assert.All(Directory.GetFiles(dir.Path), f => Assert.EndsWith("\n", File.ReadAllText(f), StringComparison.Ordinal));
    }

    private static List<byte[]> WriteAll(string path, Case c, byte[] input, int maxFiles)
    {
        using (var log = new RotatingLogFile(path, c.MaxBytes, maxFiles))
        {
            var offset = 0;
            var chunk = 0;
            while (offset < input.Length)
            {
                var size = Math.Min(c.Chunks[chunk++ % c.Chunks.Length], input.Length - offset);
                log.Write(input.AsSpan(offset, size));
                offset += size;
            }
        }

        var files = new List<byte[]>();
        for (var n = maxFiles; n >= 1; n--)
        {
            if (File.Exists(path + "." + n))
            {
                files.Add(File.ReadAllBytes(path + "." + n));
            }
        }

        files.Add(File.ReadAllBytes(path));
        return files;
    }

    private static byte[] Build(Case c)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < c.LineLengths.Length; i++)
        {
            for (var j = 0; j < c.LineLengths[i]; j++)
            {
                bytes.Add((byte)('a' + ((i + j) % 26)));
            }

            if (i < c.LineLengths.Length - 1 || c.EndsWithNewline)
            {
                bytes.Add((byte)'\n');
            }
        }

        return [.. bytes];
    }

    /// <summary>The length, newline included, of the line holding the byte at <paramref name="index"/> (not a newline).</summary>
    private static long LineLengthAround(byte[] input, long index)
    {
        var start = Array.LastIndexOf(input, (byte)'\n', (int)index) + 1;
        var end = Array.IndexOf(input, (byte)'\n', (int)index);
        return (end < 0 ? input.Length : end + 1) - start;
    }
}
