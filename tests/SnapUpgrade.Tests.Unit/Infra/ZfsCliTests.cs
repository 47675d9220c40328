using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ZfsCliTests
{
    private static readonly ZfsCapabilities Fuse = new("zfs-fuse", false, ReleasesAfterUnmount: true);

    private static string Get(string name, params (string Property, string Value, string Source)[] given) =>
        string.Concat(ZfsGetParser.Properties.Select(p => given.FirstOrDefault(g => g.Property == p) is { Property: not null } g
            ? $"{name}\t{p}\t{g.Value}\t{g.Source}\n"
            : $"{name}\t{p}\t-\t-\n"));

    [Fact]
    public async Task ListAsync_Pool_RunsTwoProcessesAndStripsTheAltroot()
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\tlab/ROOT/be1\t/srv/lab\t42\t504M\t1M\t503M\n")
            .Answer("zfs get", 0, Get("lab/ROOT/be1", ("type", "filesystem", "-"), ("mountpoint", "/srv/lab", "local")));
        var zfs = new ZfsCli(Fuse, runner);

        var listing = await zfs.ListAsync("lab", TestContext.Current.CancellationToken);

        Assert.Equal(2, runner.Calls.Count);
        Assert.Contains(ZfsCli.PoolListArgv("lab"), runner.Calls);
        Assert.Contains(ZfsCli.DatasetGetArgv("lab"), runner.Calls);
        Assert.Equal("/", Assert.Single(listing.Datasets).MountPoint);
        Assert.Equal("lab/ROOT/be1", listing.Pool.Bootfs);
    }

    [Fact]
    public async Task ReadAsync_AScopeWithAMissingName_RunsThreeProcessesAndLeavesItOut()
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\tlab/ROOT/be1\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs get -H -p -o name,property,value,source -r", 1, Get("lab/ROOT/be1", ("type", "filesystem", "-")),
                "cannot open 'lab/ROOT/new': dataset does not exist\n")
            .Answer(string.Join(' ', ZfsCli.GetArgv(recursive: false, ["lab/ROOT"])), 0, Get("lab/ROOT", ("type", "filesystem", "-")));
        var zfs = new ZfsCli(Fuse, runner);

        var read = await zfs.ReadAsync("lab", new ReadScope(["lab/ROOT/be1", "lab/ROOT/new"], ["lab/ROOT"]), TestContext.Current.CancellationToken);

        Assert.Equal(3, runner.Calls.Count);
        Assert.Contains(ZfsCli.GetArgv(recursive: true, ["lab/ROOT/be1", "lab/ROOT/new"]), runner.Calls);
        Assert.Contains(ZfsCli.GetArgv(recursive: false, ["lab/ROOT"]), runner.Calls);
        Assert.Equal(["lab/ROOT/be1", "lab/ROOT"], read.Datasets.Select(d => d.Name));
    }

    [Fact]
    public async Task ReadAsync_FileSystemRoots_ListsTheirFileSystemsThenGetsThoseAlone()
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\tlab/ROOT/be1\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs list", 1, "lab/ROOT/be1\nlab/ROOT/be1/var\n", "cannot open 'lab/ROOT/gone': dataset does not exist\n")
            .Answer(string.Join(' ', ZfsCli.GetArgv(recursive: false, ["lab/ROOT/be1", "lab/ROOT/be1/var"])), 0,
                Get("lab/ROOT/be1", ("type", "filesystem", "-")) + Get("lab/ROOT/be1/var", ("type", "filesystem", "-")));
        var zfs = new ZfsCli(Fuse, runner);

        var read = await zfs.ReadAsync("lab", new ReadScope([], [], fileSystems: ["lab/ROOT/be1", "lab/ROOT/gone"]),
            TestContext.Current.CancellationToken);

        Assert.Equal(3, runner.Calls.Count);
        Assert.Contains(ZfsCli.FileSystemListArgv(["lab/ROOT/be1", "lab/ROOT/gone"]), runner.Calls);
        Assert.Equal(["lab/ROOT/be1", "lab/ROOT/be1/var"], read.Datasets.Select(d => d.Name));
    }

    [Theory]
    [InlineData("cannot open 'lab/ROOT/other': dataset does not exist\n")] // a name it did not ask
    [InlineData("cannot open 'lab/ROOT/ne': dataset does not exist\n")] // a part of one it asked
    [InlineData("cannot open 'lab/ROOT/new': dataset does not exist\ncannot open 'lab/ROOT/be1': permission denied\n")]
    [InlineData("cannot open 'lab/ROOT/new'\n")]
    public async Task ReadAsync_AFailureThatIsNotOnlyAnAskedNameMissing_Throws(string stderr)
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\t-\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs get", 1, Get("lab/ROOT/be1", ("type", "filesystem", "-")), stderr);
        var zfs = new ZfsCli(Fuse, runner);

        await Assert.ThrowsAsync<ZfsCommandException>(() =>
            zfs.ReadAsync("lab", new ReadScope(["lab/ROOT/be1", "lab/ROOT/new"], []), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadAsync_AnyOtherFailure_Throws()
    {
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\t-\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs get", 1, "", "cannot open 'lab/ROOT/be1': permission denied\n");
        var zfs = new ZfsCli(Fuse, runner);

        var error = await Assert.ThrowsAsync<ZfsCommandException>(() =>
            zfs.ReadAsync("lab", new ReadScope(["lab/ROOT/be1"], []), TestContext.Current.CancellationToken));

        Assert.Contains("permission denied", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAsync_DescriptionSpoofingTheBootedBe_ReadsTextValuesAloneAndIsNotFooled()
    {
        // be2's description, set with `zfs set`, reads as a record saying the booted be1 is not mounted.
        const string spoof = "x\tlocal\nlab/ROOT/be1\tmounted\tno";
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\tlab/ROOT/be1\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs get -H -p -o name,property,value,source", 0,
                Get("lab/ROOT/be1", ("type", "filesystem", "-"), ("mountpoint", "/", "local"), ("mounted", "yes", "-"))
                + Get("lab/ROOT/be2", ("type", "filesystem", "-"), (UserProperties.Description, spoof, "local")))
            .Answer("zfs get -H -o name,property,source", 0,
                $"lab/ROOT/be1\tmountpoint\tlocal\nlab/ROOT/be2\t{UserProperties.Description}\tlocal\n")
            .Answer($"zfs get -H -p -o value {UserProperties.Description} lab/ROOT/be2", 0, spoof + "\n")
            .Answer("zfs get -H -p -o value mountpoint lab/ROOT/be1", 0, "/\n");
        var zfs = new ZfsCli(Fuse, runner);

        var ds = (await zfs.ListAsync("lab", TestContext.Current.CancellationToken)).Datasets.ToDictionary(d => d.Name);

        Assert.True(ds["lab/ROOT/be1"].Mounted);
        Assert.Equal(spoof, ds["lab/ROOT/be2"].Description);
        Assert.Contains(ZfsCli.ValueArgv("lab/ROOT/be2", UserProperties.Description), runner.Calls);
    }

    [Fact]
    public async Task ListAsync_ValueThatChangesBetweenTheReads_ThrowsAfterThreeTries()
    {
        // A description with a line break that reads otherwise alone each time: the pool keeps changing under the reads.
        var runner = new FakeProcessRunner()
            .Answer("zpool list", 0, "lab\tONLINE\t-\t-\t42\t504M\t1M\t503M\n")
            .Answer("zfs get -H -p -o name,property,value,source", 0, Get("lab", ("type", "filesystem", "-"), (UserProperties.Description, "one\ntwo", "local")))
            .Answer("zfs get -H -o name,property,source", 0, $"lab\t{UserProperties.Description}\tlocal\n")
            .Answer($"zfs get -H -p -o value {UserProperties.Description} lab", 0, "one\nthree\n");
        var zfs = new ZfsCli(Fuse, runner);

        var error = await Assert.ThrowsAsync<FormatException>(() => zfs.ListAsync("lab", TestContext.Current.CancellationToken));

        Assert.Contains("no longer holds the value read alone", error.Message);
        Assert.Equal(3, runner.Calls.Count(c => c.SequenceEqual(ZfsCli.DatasetGetArgv("lab"))));
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
