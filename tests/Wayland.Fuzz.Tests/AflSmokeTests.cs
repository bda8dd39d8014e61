using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Wayland.Fuzz.Tests;

public partial class AflSmokeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThirtySecondsOfAflFindNewPathsAndNoCrash()
    {
        var root = FindRepoRoot();
        var findings = Directory.CreateTempSubdirectory("afl-smoke-").FullName;
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "scripts", "fuzz-afl.sh"), "30", Path.Combine(findings, "out")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The build under test, not a second build of it while tests run.
        start.Environment["WAYLAND_FUZZ_BIN"] = AppContext.BaseDirectory;
        using var script = Process.Start(start)!;
        var stderrTask = script.StandardError.ReadToEndAsync();
        var stdout = await script.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await script.WaitForExitAsync(limit.Token);
        var stderr = await stderrTask;
        output.WriteLine(stdout + stderr);
        Assert.True(script.ExitCode == 0, $"fuzz-afl.sh failed ({script.ExitCode}):\n{stdout}{stderr}");

        var figures = Figures().Match(stdout);
        Assert.True(figures.Success, $"no figures in: {stdout}");
        Assert.True(long.Parse(figures.Groups["execs"].Value) > 1000, "afl ran fewer than 1000 inputs");
        Assert.True(int.Parse(figures.Groups["found"].Value) > 0, "afl found no new path from the seeds");
        Directory.Delete(findings, recursive: true);
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Compositor.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Compositor.sln not found above the test assembly");
    }

    [GeneratedRegex(@"afl: (?<execs>\d+) execs .*\(seeds (?<found>\d+) found\)")]
    private static partial Regex Figures();
}
