using SnapUpgrade.Core.Host;
using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>What <see cref="LinuxMounts"/> runs, against what it shows (a fake runner: no mount is made).</summary>
public sealed class LinuxMountsArgvTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("snapupgrade-mounts-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false, "remount,bind,nosuid,nodev")]
    [InlineData(true, "remount,bind,ro,nosuid,nodev")]
    public void DescribeBind_EitherWay_BindsThenRemountsNosuidNodevWithoutCanonicalizing(bool readOnly, string options)
    {
        var steps = new LinuxMounts(_root).DescribeBind("/var/shared", "/a/var/shared", readOnly);

        Assert.Equal<IReadOnlyList<string>>(
            [["mount", "--no-canonicalize", "--bind", _root + "/var/shared", _root + "/a/var/shared"],
             ["mount", "--no-canonicalize", "-o", options, _root + "/a/var/shared"]], steps);
        Assert.Equal(["umount", "--no-canonicalize", _root + "/a/var/shared"], new LinuxMounts(_root).DescribeUnmount("/a/var/shared"));
    }

    [Fact]
    public async Task BindAsync_CheckedDirectories_RunsTheDescribedArgvOnFdPathsOfThisProcess()
    {
        Directory.CreateDirectory(_root + "/var/shared");
        Directory.CreateDirectory(_root + "/a/var/shared");
        var runner = new FakeProcessRunner();
        var mounts = new LinuxMounts(_root, runner);

        await mounts.BindAsync("/var/shared", "/a/var/shared", readOnly: true, Ct);

        var described = mounts.DescribeBind("/var/shared", "/a/var/shared", readOnly: true);
        Assert.Equal(2, runner.Calls.Count);
        var fdPrefix = $"/proc/{Environment.ProcessId}/fd/";
        for (var step = 0; step < 2; step++)
        {
            var run = runner.Calls[step];
            Assert.Equal(described[step].Count, run.Count);
            for (var i = 0; i < run.Count; i++)
                Assert.True(run[i] == described[step][i] || (run[i].StartsWith(fdPrefix, StringComparison.Ordinal)
                    && described[step][i].StartsWith(_root, StringComparison.Ordinal)), $"step {step}: {run[i]} for {described[step][i]}");
        }
    }

    [Fact]
    public async Task BindAsync_TargetThroughLink_ThrowsUnsafePathAndRunsNothing()
    {
        Directory.CreateDirectory(_root + "/var/shared");
        Directory.CreateDirectory(_root + "/elsewhere/shared");
        File.CreateSymbolicLink(_root + "/a", "elsewhere");
        var runner = new FakeProcessRunner();

        await Assert.ThrowsAsync<UnsafePathException>(() => new LinuxMounts(_root, runner).BindAsync("/var/shared", "/a/shared", true, Ct));

        Assert.Empty(runner.Calls);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
