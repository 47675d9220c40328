using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ZfsOutputParserTests
{
    [Fact]
    public void ParseVersion_ZfsFuseUsageError_IsZfsFuseWithoutMultiSnapshot()
    {
        var caps = ZfsOutputParser.ParseVersion(2, "", "unrecognized command 'version'\nusage: zfs command args ...\n");

        Assert.Equal(new ZfsCapabilities("zfs-fuse", MultiSnapshot: false, ReleasesAfterUnmount: true), caps);
    }

    [Theory]
    [InlineData("zfs-2.2.2-0ubuntu9.1\nzfs-kmod-2.2.2-0ubuntu9\n", "OpenZFS 2.2.2")]
    [InlineData("zfs-2.1.5-1ubuntu6~22.04.4\nzfs-kmod-2.1.5-1ubuntu6~22.04.1\n", "OpenZFS 2.1.5")]
    [InlineData("zfs-2.3.0-1\nzfs-kmod-2.3.0-1\n", "OpenZFS 2.3.0")]
    public void ParseVersion_OpenZfs_NamesTheUserlandVersionWithMultiSnapshotRenameKeepingClonesMountedAndEvents(string stdout, string name)
    {
        Assert.Equal(new ZfsCapabilities(name, MultiSnapshot: true, RenameRemountsClones: false, EventStream: true), ZfsOutputParser.ParseVersion(0, stdout, ""));
    }

    [Theory]
    [InlineData(127, "", "zfs: command not found")]
    [InlineData(1, "", "connect: Connection refused")]
    [InlineData(0, "something else 1.0", "")]
    public void ParseVersion_Unrecognisable_ThrowsInsteadOfGuessing(int exit, string stdout, string stderr)
    {
        Assert.Throws<NotSupportedException>(() => ZfsOutputParser.ParseVersion(exit, stdout, stderr));
    }

    [Fact]
    public void ParsePoolList_ZfsFuseHumanSizes_ParsesAndDashIsNull()
    {
        var info = ZfsOutputParser.ParsePoolList(
            "sumeas2871\tONLINE\t-\t/tmp/snapupgrade-tests/sumeas2871/root\t8948945036340249193\t504M\t1.17M\t503M\n");

        Assert.Equal(new PoolInfo("sumeas2871", "ONLINE", null, "/tmp/snapupgrade-tests/sumeas2871/root",
            "8948945036340249193", 504L << 20, 1226834, 503L << 20), info);
    }

    [Fact]
    public void ParsePoolList_OpenZfsWithBootfsNoAltroot_ReadsBothAsSet()
    {
        var info = ZfsOutputParser.ParsePoolList("rpool\tONLINE\trpool/ROOT/ubuntu_x\t-\t123\t476G\t936K\t5.50T\n");

        Assert.Equal(("rpool/ROOT/ubuntu_x", (string?)null), (info.Bootfs, info.Altroot));
        Assert.Equal((476L << 30, 936L << 10, 5632L << 30), (info.Size, info.Allocated, info.Free));
    }

    [Fact]
    public void ParsePoolList_WrongFieldCount_Throws()
    {
        Assert.Throws<FormatException>(() => ZfsOutputParser.ParsePoolList("rpool\tONLINE\n"));
    }

    [Theory]
    [InlineData("536870912", 536870912L)]
    [InlineData("250M", 262144000L)]
    [InlineData("936K", 958464L)]
    [InlineData("1.50G", 1610612736L)]
    [InlineData("0", 0L)]
    [InlineData("-", 0L)]
    [InlineData("12B", 12L)]
    public void ParseSize_ExactOrHuman_ReadsBytes(string text, long bytes)
    {
        Assert.Equal(bytes, ZfsOutputParser.ParseSize(text));
    }

    [Theory]
    [InlineData("12Q")]
    [InlineData("M")]
    [InlineData("1,5G")]
    public void ParseSize_Garbage_Throws(string text)
    {
        Assert.Throws<FormatException>(() => ZfsOutputParser.ParseSize(text));
    }

    [Theory]
    [InlineData("/srv/lab", "/srv/lab", "/")]
    [InlineData("/srv/lab/var/shared", "/srv/lab", "/var/shared")]
    [InlineData("/srv/lab/var/shared", "/srv/lab/", "/var/shared")]
    [InlineData("/srv/laboratory", "/srv/lab", "/srv/laboratory")]
    [InlineData("none", "/srv/lab", "none")]
    [InlineData("legacy", "/srv/lab", "legacy")]
    [InlineData("/var/shared", null, "/var/shared")]
    [InlineData("/var/shared", "/", "/var/shared")]
    public void StripAltroot_MountPoint_BecomesHostPath(string mountPoint, string? altroot, string expected)
    {
        Assert.Equal(expected, ZfsOutputParser.StripAltroot(mountPoint, altroot));
    }
}
