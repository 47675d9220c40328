using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class MountInfoParserTests
{
    private const string Lab = "/tmp/snapupgrade-tests/su1/root";

    // Shape measured on zfs-fuse: fstype fuse.zfs, the dataset as source, root "/", and a bind of
    // the shared dataset carrying the same device (0:41) with "ro" in the per-mount options.
    private static readonly string Sample = string.Join('\n',
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        "30 22 0:26 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw",
        $"43 27 0:40 / {Lab} rw,relatime - fuse.zfs su1/ROOT/be1 rw,user_id=0,group_id=0,default_permissions,allow_other",
        $"44 43 0:41 / {Lab}/var/shared rw,relatime - fuse.zfs su1/VARSHARED rw,user_id=0,group_id=0,default_permissions,allow_other",
        $"45 43 0:42 / {Lab}/a rw,relatime - fuse.zfs su1/ROOT/be2 rw,user_id=0,group_id=0,default_permissions,allow_other",
        $"46 45 0:41 / {Lab}/a/var/shared ro,relatime - fuse.zfs su1/VARSHARED rw,user_id=0,group_id=0,default_permissions,allow_other",
        $"47 43 0:40 /var {Lab}/b rw,relatime - fuse.zfs su1/ROOT/be1 rw,user_id=0,group_id=0,default_permissions,allow_other",
        "48 22 0:50 /containers/x/hosts /etc/hosts rw - ext4 /dev/sda1 rw",
        $"49 43 0:51 / {Lab}/with\\040space rw - fuse.zfs su1/odd rw",
        "");

    [Fact]
    public void Parse_Sample_ReadsFieldsAndDecodesEscapes()
    {
        var entries = MountInfoParser.Parse(Sample);

        Assert.Equal(9, entries.Count);
        Assert.Equal(new MountInfoEntry(46, 45, "0:41", "/", $"{Lab}/a/var/shared", true, "fuse.zfs", "su1/VARSHARED"), entries[5]);
        Assert.False(entries[3].ReadOnly);
        Assert.Equal(("proc", "proc"), (entries[1].FsType, entries[1].Source));
        Assert.Equal($"{Lab}/with space", entries[8].MountPoint);
    }

    [Fact]
    public void Binds_Sample_AreLaterMountsOfADeviceOrSubdirectoryRootsOfZfsOnly()
    {
        var binds = MountInfoParser.Binds(MountInfoParser.Parse(Sample));

        Assert.Equal([46, 47], binds.Select(b => b.Bind.Id));
        Assert.Equal([44, 43], binds.Select(b => b.Original!.Id));
    }

    [Fact]
    public void SourceOf_Binds_IsTheOriginalMountPointPlusTheRoot()
    {
        var binds = MountInfoParser.Binds(MountInfoParser.Parse(Sample));

        Assert.Equal([$"{Lab}/var/shared", $"{Lab}/var"], binds.Select(b => MountInfoParser.SourceOf(b.Bind, b.Original)));
    }

    [Fact]
    public void Binds_SubdirectoryWithoutOriginal_ReportsDatasetAndRoot()
    {
        var entries = MountInfoParser.Parse("50 1 0:60 /adm /mnt/adm ro - zfs rpool/VARSHARED rw\n");

        var (bind, original) = Assert.Single(MountInfoParser.Binds(entries));

        Assert.Null(original);
        Assert.Equal("rpool/VARSHARED:/adm", MountInfoParser.SourceOf(bind, original));
    }

    [Fact]
    public void Parse_OptionalFieldsBeforeSeparator_AreSkipped()
    {
        var entry = Assert.Single(MountInfoParser.Parse("60 1 0:70 / /x rw shared:5 master:2 - zfs rpool/x rw\n"));

        Assert.Equal(("zfs", "rpool/x"), (entry.FsType, entry.Source));
    }

    [Fact]
    public void Parse_MalformedLine_Throws()
    {
        Assert.Throws<FormatException>(() => MountInfoParser.Parse("60 1 0:70 / /x rw\n"));
    }
}
