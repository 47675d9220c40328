using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ZfsCliTests
{
    private static readonly ZfsCapabilities Fuse = new("zfs-fuse", false);

    [Fact]
    public async Task ListAsync_Pool_RunsExactlyTwoProcessesAndStripsTheAltroot()
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\tlab/ROOT/be1\t/srv/lab\t42\t504M\t1M\t503M\n")
            .Answer("zfs get", 0, "lab/ROOT/be1\ttype\tfilesystem\t-\nlab/ROOT/be1\tmountpoint\t/srv/lab\tlocal\n");
        var zfs = new ZfsCli(Fuse, runner);

        var listing = await zfs.ListAsync("lab", TestContext.Current.CancellationToken);

        Assert.Equal(2, runner.Calls.Count);
        Assert.Contains(ZfsCli.PoolListArgv("lab"), runner.Calls);
        Assert.Contains(ZfsCli.DatasetGetArgv("lab"), runner.Calls);
        Assert.Equal("/", Assert.Single(listing.Datasets).MountPoint);
        Assert.Equal("lab/ROOT/be1", listing.Pool.Bootfs);
    }

    [Fact]
    public void DatasetGetArgv_Pool_IsOneRecursiveParsableGetWithoutTypeFilter()
    {
        var argv = ZfsCli.DatasetGetArgv("lab");

        Assert.Equal(["zfs", "get", "-H", "-p", "-o", "name,property,value,source", "-r"], argv.Take(7));
        Assert.Equal("lab", argv[^1]);
        Assert.DoesNotContain("-t", argv);
        Assert.Contains(UserProperties.ConsoleMade, argv[7].Split(','));
    }

    [Fact]
    public async Task ExecuteAsync_NonZeroExit_ThrowsWithArgvExitAndStderr()
    {
        var runner = new FakeProcessRunner().Answer("zfs destroy", 1, "", "cannot destroy 'lab/ROOT/be1@s': snapshot has dependent clones\n");
        var zfs = new ZfsCli(Fuse, runner);
        var command = new ZfsDestroy("lab/ROOT/be1@s");

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() => zfs.ExecuteAsync(command, TestContext.Current.CancellationToken));

        Assert.Equal(command.Argv, error.Argv);
        Assert.Equal(1, error.ExitCode);
        Assert.Contains("dependent clones", error.StandardError);
    }

    [Fact]
    public async Task ExecuteAsync_Command_RunsItsArgvExactly()
    {
        var runner = new FakeProcessRunner();
        var command = new ZfsClone("p/ROOT/a@s", "p/ROOT/b", new Dictionary<string, string> { ["canmount"] = "noauto" });

        await new ZfsCli(Fuse, runner).ExecuteAsync(command, TestContext.Current.CancellationToken);

        Assert.Equal(["zfs", "clone", "-o", "canmount=noauto", "p/ROOT/a@s", "p/ROOT/b"], Assert.Single(runner.Calls));
    }

    [Fact]
    public async Task DetectAsync_ZfsFuseAnswer_GivesZfsFuseCapabilities()
    {
        var runner = new FakeProcessRunner().Answer("zfs version", 2, "", "unrecognized command 'version'\n");

        var zfs = await ZfsCli.DetectAsync(runner, TestContext.Current.CancellationToken);

        Assert.Equal(Fuse, zfs.Capabilities);
    }
}
