using System.Runtime.Versioning;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using SnapUpgrade.Tests.Unit.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>
/// The upgrade's package command as a real process (ADR 0026): a script that stands for a package
/// tool (on the allow-list by name, as a host adds its own), run with the alternate root filled in,
/// its output streamed, a clean environment, and its whole process tree killed at the time limit or
/// on cancellation.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class UpgradeCommandTests : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A "package tool" at <c>fake-pkg</c>: the script's body, run by /bin/sh from its #! line.</summary>
    private UpgradeCommand Tool(string body, double limitSeconds = 30, string hostRoot = "/")
    {
        var path = _dir.Combine("fake-pkg");
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return new UpgradeCommand([path, "--root", "{root}", "--be", "{be}"], hostRoot, TimeSpan.FromSeconds(limitSeconds), ["fake-pkg"]);
    }

    [Fact]
    public async Task RunAsync_ToolPrintsAndFails_ReportsEveryLineAsItComesAndTheExitCode()
    {
        var tool = Tool("echo \"installing into $2 for $4\"; echo 'warning: on stderr' >&2; echo done; exit 3", hostRoot: _dir.Path);
        var lines = new List<string>();

        var run = await tool.RunAsync("/run/snapupgrade/be2", "be2", line => { lock (lines) lines.Add(line); }, Ct);

        Assert.Equal(CommandEnd.Exited, run.End);
        Assert.Equal(3, run.ExitCode);
        Assert.False(run.Succeeded);
        Assert.Equal("exit 3 after " + run.Took.TotalSeconds.ToString("0.#") + " s", run.Summary);
        // {root} is the alternate root's local path: under the host root
        var expected = $"installing into {_dir.Path}/run/snapupgrade/be2 for be2";
        Assert.Equal([expected, "done"], lines.Where(l => !l.StartsWith("warning", StringComparison.Ordinal)));
        Assert.Contains("warning: on stderr", lines);
        Assert.Contains(expected + "\n", run.Output);
        Assert.Contains("warning: on stderr\n", run.Output);
        Assert.False(run.OutputCut);
    }

    [Fact]
    public async Task RunAsync_Always_GetsAFixedCleanEnvironmentAndNoInput()
    {
        Environment.SetEnvironmentVariable("SNAPUPGRADE_TEST_SECRET", "console-only");
        var tool = Tool("env | sort; read answer && echo \"read: $answer\" || echo 'stdin closed'");

        var run = await tool.RunAsync("/mnt/be2", "be2", _ => { }, Ct);

        Assert.True(run.Succeeded, run.Output);
        var env = run.Output.Split('\n').Where(l => l.Contains('=')).Select(l => l.Split('=')[0]).Where(k => k is not ("PWD" or "SHLVL" or "_")).Order();
        Assert.Equal(UpgradeCommand.Environment.Keys.Order(), env);
        Assert.Contains("DEBIAN_FRONTEND=noninteractive\n", run.Output);
        Assert.DoesNotContain("console-only", run.Output);
        Assert.Contains("stdin closed", run.Output);
    }

    [Fact]
    public async Task RunAsync_ToolHangs_IsStoppedAtTheLimitWithItsChildren()
    {
        var pids = _dir.Combine("pids");
        var tool = Tool($"sleep 300 & echo $! > {pids}; echo started; wait", limitSeconds: 1.5);

        var run = await tool.RunAsync("/mnt/be2", "be2", _ => { }, Ct);

        Assert.Equal(CommandEnd.TimedOut, run.End);
        Assert.Null(run.ExitCode);
        Assert.False(run.Succeeded);
        Assert.Contains("started", run.Output);
        Assert.InRange(run.Took, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(60));
        AssertGone(int.Parse(File.ReadAllText(pids).Trim()));
    }

    [Fact]
    public async Task RunAsync_Cancelled_KillsTheTreeAndSaysCancelled()
    {
        var pids = _dir.Combine("pids");
        var tool = Tool($"sleep 300 & echo $! > {pids}; echo started; wait");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var run = await tool.RunAsync("/mnt/be2", "be2", line => { if (line == "started") cancel.Cancel(); }, cancel.Token);

        Assert.Equal(CommandEnd.Cancelled, run.End);
        Assert.StartsWith("cancelled after ", run.Summary, StringComparison.Ordinal);
        AssertGone(int.Parse(File.ReadAllText(pids).Trim()));
    }

    [Fact]
    public async Task RunAsync_ProgramMissing_IsNotStartedAndSaysWhy()
    {
        var tool = new UpgradeCommand([_dir.Combine("no-such-tool"), "{root}"], "/", TimeSpan.FromSeconds(5), ["no-such-tool"]);

        var run = await tool.RunAsync("/mnt/be2", "be2", _ => { }, Ct);

        Assert.Equal(CommandEnd.NotStarted, run.End);
        Assert.Contains("cannot run " + _dir.Combine("no-such-tool"), run.Output);
    }

    [Fact]
    public async Task RunAsync_HugeOutput_KeepsItsEndAndSaysItWasCut()
    {
        // about 1.2 MB in 40,000 numbered lines
        var tool = Tool("i=0; while [ $i -lt 40000 ]; do echo \"line $i of the package tool's output\"; i=$((i+1)); done");
        var count = 0;

        var run = await tool.RunAsync("/mnt/be2", "be2", _ => Interlocked.Increment(ref count), Ct);

        Assert.True(run.Succeeded);
        Assert.Equal(40000, count);
        Assert.True(run.OutputCut);
        Assert.InRange(run.Output.Length, UpgradeOutput.Keep / 2, UpgradeOutput.Keep);
        Assert.EndsWith("line 39999 of the package tool's output\n", run.Output, StringComparison.Ordinal);
        Assert.StartsWith("line ", run.Output, StringComparison.Ordinal); // cut at a line's start
    }

    [Fact]
    public void Describe_AsAUnit_IsTheSystemdRunThatRuns_WithTheBesOwnUnit()
    {
        var asProcess = new UpgradeCommand(["apt-get", "-y", "dist-upgrade", "--root={root}"], "/", TimeSpan.FromMinutes(60));
        var asUnit = new UpgradeCommand(["apt-get", "-y", "dist-upgrade", "--root={root}"], "/", TimeSpan.FromMinutes(60), runAs: UpgradeRunAs.Unit, pool: "rpool");

        Assert.Equal(["apt-get", "-y", "dist-upgrade", "--root=/run/be2"], asProcess.Describe("/run/be2", "be2"));
        Assert.Null(asProcess.UnitOf("be2"));
        var described = asUnit.Describe("/run/be2", "be2");
        Assert.Equal("snapupgrade-upgrade-rpool:be2.service", asUnit.UnitOf("be2"));
        Assert.Equal(UpgradeUnit.SystemdRun([described[^4], "-y", "dist-upgrade", "--root=/run/be2"], UpgradeCommand.Environment,
            TimeSpan.FromMinutes(60), "snapupgrade-upgrade-rpool:be2.service"), described);
        Assert.EndsWith("/apt-get", described[^4], StringComparison.Ordinal); // found on the run's PATH: systemd-run would use the console's
        Assert.Equal(described, asUnit.Describe("/run/be2", "be2")); // what a dry run shows is what runs
        Assert.Throws<ArgumentException>(() => new UpgradeCommand(["apt-get", "-y", "dist-upgrade"], "/", TimeSpan.FromMinutes(1), runAs: UpgradeRunAs.Unit));
    }

    [Fact]
    public void New_CommandOffTheAllowList_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new UpgradeCommand(["sh", "-c", "apt-get {root}"], "/", TimeSpan.FromMinutes(1)));

        Assert.Contains("never an upgrade command", error.Message);
    }

    private static void AssertGone(int pid)
    {
        // Killed and reaped: no /proc entry, or only a zombie of a process that is not ours to reap.
        var stat = $"/proc/{pid}/stat";
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.Exists(stat) && !File.ReadAllText(stat).Contains(") Z ", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            Thread.Sleep(50);
        Assert.True(!File.Exists(stat) || File.ReadAllText(stat).Contains(") Z ", StringComparison.Ordinal), $"process {pid} still runs");
    }
}
