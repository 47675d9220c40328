using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ZfsGetParserTests
{
    private const string Alt = "/tmp/snapupgrade-tests/sumeas2871/root";

    // Captured from zfs-fuse 0.7 (pool version 23) under an altroot; user properties trimmed to two.
    private static readonly string ZfsFuseSample = string.Join('\n',
        $"sumeas2871\ttype\tfilesystem\t-",
        $"sumeas2871\tcreation\t1795630876\t-",
        $"sumeas2871\tused\t712704\t-",
        $"sumeas2871\treferenced\t114688\t-",
        $"sumeas2871\torigin\t-\t-",
        $"sumeas2871\tmountpoint\t{Alt}\tlocal",
        $"sumeas2871\tmounted\tno\t-",
        $"sumeas2871\tcanmount\toff\tlocal",
        $"sumeas2871\torg.snapupgrade:keep\t-\t-",
        $"sumeas2871/ROOT\ttype\tfilesystem\t-",
        $"sumeas2871/ROOT\tmountpoint\tnone\tlocal",
        $"sumeas2871/ROOT\tcanmount\toff\tlocal",
        $"sumeas2871/ROOT\torg.snapupgrade:keep\ton\tlocal",
        $"sumeas2871/ROOT/be1\ttype\tfilesystem\t-",
        $"sumeas2871/ROOT/be1\tcreation\t1795630876\t-",
        $"sumeas2871/ROOT/be1\tmountpoint\t{Alt}\tlocal",
        $"sumeas2871/ROOT/be1\tmounted\tyes\t-",
        $"sumeas2871/ROOT/be1\tcanmount\tnoauto\tlocal",
        $"sumeas2871/ROOT/be1\torg.snapupgrade:uuid\tabc\tlocal",
        $"sumeas2871/ROOT/be1\torg.snapupgrade:keep\ton\tinherited from sumeas2871/ROOT",
        $"sumeas2871/ROOT/be1@s1\ttype\tsnapshot\t-",
        $"sumeas2871/ROOT/be1@s1\tcreation\t1795630899\t-",
        $"sumeas2871/ROOT/be1@s1\tmountpoint\t-\t-",
        $"sumeas2871/ROOT/be1@s1\tmounted\t-\t-",
        $"sumeas2871/ROOT/be1@s1\tcanmount\t-\t-",
        $"sumeas2871/ROOT/be1@s1\torg.snapupgrade:uuid\tabc\tinherited from sumeas2871/ROOT/be1",
        $"sumeas2871/ROOT/be2\ttype\tfilesystem\t-",
        $"sumeas2871/ROOT/be2\torigin\tsumeas2871/ROOT/be1@s1\t-",
        $"sumeas2871/ROOT/be2\tmountpoint\t{Alt}/a\tlocal",
        $"sumeas2871/ROOT/be2\tmounted\tno\t-",
        $"sumeas2871/VARSHARED\ttype\tfilesystem\t-",
        $"sumeas2871/VARSHARED\tmountpoint\t{Alt}/var/shared\tlocal",
        $"sumeas2871/VARSHARED/sub\ttype\tfilesystem\t-",
        $"sumeas2871/VARSHARED/sub\tmountpoint\t{Alt}/var/shared/sub\tinherited from sumeas2871/VARSHARED",
        "");

    [Fact]
    public void Parse_ZfsFuseSample_OneDatasetPerNameInOrder()
    {
        var names = ZfsGetParser.Parse(ZfsFuseSample, Alt).Select(d => d.Name);

        Assert.Equal(["sumeas2871", "sumeas2871/ROOT", "sumeas2871/ROOT/be1", "sumeas2871/ROOT/be1@s1",
            "sumeas2871/ROOT/be2", "sumeas2871/VARSHARED", "sumeas2871/VARSHARED/sub"], names);
    }

    [Fact]
    public void Parse_ZfsFuseSample_MountPointsAreHostPathsWithTheirSource()
    {
        var ds = ZfsGetParser.Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

        Assert.Equal(("/", true), (ds["sumeas2871/ROOT/be1"].MountPoint, ds["sumeas2871/ROOT/be1"].MountPointIsLocal));
        Assert.Equal(("none", true), (ds["sumeas2871/ROOT"].MountPoint, ds["sumeas2871/ROOT"].MountPointIsLocal));
        Assert.Equal("/a", ds["sumeas2871/ROOT/be2"].MountPoint);
        Assert.Equal("/var/shared", ds["sumeas2871/VARSHARED"].MountPoint);
        Assert.Equal(("/var/shared/sub", false), (ds["sumeas2871/VARSHARED/sub"].MountPoint, ds["sumeas2871/VARSHARED/sub"].MountPointIsLocal));
    }

    [Fact]
    public void Parse_ZfsFuseSample_UserPropertiesOnlyWhereSetLocally()
    {
        var ds = ZfsGetParser.Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

        Assert.Equal("on", ds["sumeas2871/ROOT"].Keep);
        Assert.Null(ds["sumeas2871/ROOT/be1"].Keep);
        Assert.Equal("abc", ds["sumeas2871/ROOT/be1"].Uuid);
        Assert.Null(ds["sumeas2871/ROOT/be1@s1"].Uuid);
        Assert.Null(ds["sumeas2871"].Keep);
    }

    [Fact]
    public void Parse_ZfsFuseSample_TypesTimesOriginsAndDashes()
    {
        var ds = ZfsGetParser.Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

        var snap = ds["sumeas2871/ROOT/be1@s1"];
        Assert.Equal((DatasetKind.Snapshot, null, null, false), (snap.Kind, snap.MountPoint, snap.CanMount, snap.Mounted));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795630899), snap.Created);
        Assert.Equal("sumeas2871/ROOT/be1@s1", ds["sumeas2871/ROOT/be2"].Origin);
        Assert.Null(ds["sumeas2871/ROOT/be1"].Origin);
        Assert.Equal((712704L, 114688L), (ds["sumeas2871"].Used, ds["sumeas2871"].Referenced));
        Assert.True(ds["sumeas2871/ROOT/be1"].Mounted);
        Assert.Equal("noauto", ds["sumeas2871/ROOT/be1"].CanMount);
    }

    [Fact]
    public void Parse_OpenZfsWithoutAltroot_KeepsPathsAndTakesReceivedProperties()
    {
        const string sample = """
            rpool	type	filesystem	-
            rpool	mountpoint	/	local
            rpool/ROOT/ubuntu	type	filesystem	-
            rpool/ROOT/ubuntu	creation	1650000000	-
            rpool/ROOT/ubuntu	mountpoint	/	local
            rpool/ROOT/ubuntu	mounted	yes	-
            rpool/ROOT/ubuntu	org.snapupgrade:parentbe	p-1	received
            rpool/ROOT/ubuntu	org.snapupgrade:made	on	local
            rpool/ROOT/ubuntu#bm	type	bookmark	-
            rpool/vol	type	volume	-
            rpool/vol	mountpoint	-	-
            """;

        var ds = ZfsGetParser.Parse(sample.Replace("\r", ""), altroot: null).ToDictionary(d => d.Name);

        Assert.Equal(["rpool", "rpool/ROOT/ubuntu", "rpool/vol"], ds.Keys);
        Assert.Equal(("/", "p-1", "on"), (ds["rpool/ROOT/ubuntu"].MountPoint, ds["rpool/ROOT/ubuntu"].ParentBe, ds["rpool/ROOT/ubuntu"].ConsoleMade));
        Assert.Equal(new DateTimeOffset(2022, 4, 15, 5, 20, 0, TimeSpan.Zero), ds["rpool/ROOT/ubuntu"].Created);
        Assert.Equal(DatasetKind.Volume, ds["rpool/vol"].Kind);
    }

    [Fact]
    public void Parse_ValueWithTabsAndSpaces_KeepsItWhole()
    {
        var ds = ZfsGetParser.Parse("p/x\ttype\tfilesystem\t-\np/x\torg.snapupgrade:description\ttwo  words\ttab\tlocal\n", null);

        Assert.Equal("two  words\ttab", Assert.Single(ds).Description);
    }

    [Fact]
    public void Parse_LineWithTooFewFields_Throws()
    {
        Assert.Throws<FormatException>(() => ZfsGetParser.Parse("p/x\ttype\n", null));
    }

    [Fact]
    public void Properties_AskedFor_AreExplicitAndIncludeEveryUserProperty()
    {
        Assert.DoesNotContain("all", ZfsGetParser.Properties);
        Assert.All(UserProperties.All, p => Assert.Contains(p, ZfsGetParser.Properties));
        Assert.Equal(["type", "creation", "used", "referenced", "origin", "mountpoint", "mounted", "canmount"],
            ZfsGetParser.Properties.Take(8));
    }
}
