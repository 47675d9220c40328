using SnapUpgrade.Infra.Host;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>Which of the pool's datasets a change of the mount table names (the tables as zfs-fuse and OpenZFS write them).</summary>
public sealed class MountTableChangesTests
{
    private const string Lab = "/tmp/snapupgrade-tests/su1/root";

    private static readonly string Before = string.Join('\n',
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
        $"43 27 0:40 / {Lab} rw,relatime - fuse.zfs su1/ROOT/be1 rw,user_id=0,group_id=0,allow_other",
        $"44 43 0:41 / {Lab}/var/shared rw,relatime - zfs su1/VARSHARED rw,xattr,noacl",
        $"50 43 0:60 / {Lab}/other rw,relatime - zfs su10/data rw,xattr,noacl",
        "");

    [Fact]
    public void Changed_ABeMountedAndABindMade_NamesThoseDatasets()
    {
        var after = Before
            + $"45 43 0:42 / {Lab}/a rw,relatime - zfs su1/ROOT/be2 rw,xattr,noacl\n"
            + $"46 45 0:41 / {Lab}/a/var/shared ro,relatime - zfs su1/VARSHARED rw,xattr,noacl\n";

        Assert.Equal(["su1/ROOT/be2", "su1/VARSHARED"], new MountTableChanges("su1").ChangedIn(Before, after));
    }

    [Fact]
    public void Changed_UnmountedOrRemountedReadOnly_NamesThem()
    {
        var after = Before.Replace($"43 27 0:40 / {Lab} rw,", $"43 27 0:40 / {Lab} ro,", StringComparison.Ordinal)
            .Replace($"44 43 0:41 / {Lab}/var/shared rw,relatime - zfs su1/VARSHARED rw,xattr,noacl\n", "", StringComparison.Ordinal);

        Assert.Equal(["su1/ROOT/be1", "su1/VARSHARED"], new MountTableChanges("su1").ChangedIn(Before, after));
    }

    [Fact]
    public void Changed_OtherFileSystemsOtherPoolsAndNewMountNumbers_NameNothing()
    {
        var after = Before.Replace("43 27 0:40", "63 27 0:40", StringComparison.Ordinal)
            + "70 22 0:70 / /tmp/x rw - tmpfs tmpfs rw\n"
            + $"71 43 0:71 / {Lab}/more rw - zfs su10/more rw\n";

        Assert.Empty(new MountTableChanges("su1").ChangedIn(Before, after));
    }
}
