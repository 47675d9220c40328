using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

public sealed class ZfsGetParserTests
{
    private const string Alt = "/tmp/snapupgrade-tests/sumeas2871/root";

    // Captured from zfs-fuse 0.7 (pool version 23) under an altroot; user properties trimmed to two.
    private static readonly string ZfsFuseSample = Complete(
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
        $"sumeas2871/VARSHARED/sub\tmountpoint\t{Alt}/var/shared/sub\tinherited from sumeas2871/VARSHARED");

    [Fact]
    public void Parse_ZfsFuseSample_OneDatasetPerNameInOrder()
    {
        var names = Parse(ZfsFuseSample, Alt).Select(d => d.Name);

        Assert.Equal(["sumeas2871", "sumeas2871/ROOT", "sumeas2871/ROOT/be1", "sumeas2871/ROOT/be1@s1",
            "sumeas2871/ROOT/be2", "sumeas2871/VARSHARED", "sumeas2871/VARSHARED/sub"], names);
    }

    [Fact]
    public void Parse_ZfsFuseSample_MountPointsAreHostPaths()
    {
        var ds = Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

        Assert.Equal("/", ds["sumeas2871/ROOT/be1"].MountPoint);
        Assert.Equal("none", ds["sumeas2871/ROOT"].MountPoint);
        Assert.Equal("/a", ds["sumeas2871/ROOT/be2"].MountPoint);
        Assert.Equal("/var/shared", ds["sumeas2871/VARSHARED"].MountPoint);
        Assert.Equal("/var/shared/sub", ds["sumeas2871/VARSHARED/sub"].MountPoint);
    }

    [Fact]
    public void Parse_ZfsFuseSample_UserPropertiesOnlyWhereSetLocally()
    {
        var ds = Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

        Assert.Equal("on", ds["sumeas2871/ROOT"].Keep);
        Assert.Null(ds["sumeas2871/ROOT/be1"].Keep);
        Assert.Equal("abc", ds["sumeas2871/ROOT/be1"].Uuid);
        Assert.Null(ds["sumeas2871/ROOT/be1@s1"].Uuid);
        Assert.Null(ds["sumeas2871"].Keep);
    }

    [Fact]
    public void Parse_ZfsFuseSample_TypesTimesOriginsAndDashes()
    {
        var ds = Parse(ZfsFuseSample, Alt).ToDictionary(d => d.Name);

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
        var sample = Complete("""
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
            """.Replace("\r", "").Split('\n'));

        var ds = Parse(sample, altroot: null).ToDictionary(d => d.Name);

        Assert.Equal(["rpool", "rpool/ROOT/ubuntu", "rpool/vol"], ds.Keys);
        Assert.Equal(("/", "p-1", "on"), (ds["rpool/ROOT/ubuntu"].MountPoint, ds["rpool/ROOT/ubuntu"].ParentBe, ds["rpool/ROOT/ubuntu"].ConsoleMade));
        Assert.Equal(new DateTimeOffset(2022, 4, 15, 5, 20, 0, TimeSpan.Zero), ds["rpool/ROOT/ubuntu"].Created);
        Assert.Equal(DatasetKind.Volume, ds["rpool/vol"].Kind);
    }

    [Fact]
    public void Parse_ValueWithTabsAndSpaces_KeepsItWhole()
    {
        var ds = Parse(Complete("p/x\ttype\tfilesystem\t-", "p/x\torg.snapupgrade:description\ttwo  words\ttab\tlocal"), null);

        Assert.Equal("two  words\ttab", Assert.Single(ds).Description);
    }

    [Fact]
    public void Parse_LineWithTooFewFields_IsUnreadable()
    {
        Assert.Contains("not a record", ZfsGetParser.Parse("p/x\ttype\n", null).Problem);
    }

    // The booted BE, and a BE whose description someone set with `zfs set` to read as the booted
    // BE's "mounted" record: the spoof.
    private static readonly string Spoof = "x\tlocal\np/ROOT/be1\tmounted\tno";

    private static string SpoofedOutput(string description) => Complete(
        "p/ROOT/be1\ttype\tfilesystem\t-",
        "p/ROOT/be1\tmountpoint\t/\tlocal",
        "p/ROOT/be1\tmounted\tyes\t-",
        "p/ROOT/be2\ttype\tfilesystem\t-",
        $"p/ROOT/be2\torg.snapupgrade:description\t{description}\tlocal");

    [Fact]
    public void Parse_ValueReadingAsAnotherDatasetsRecord_IsUnreadableNotBelieved()
    {
        var result = ZfsGetParser.Parse(SpoofedOutput(Spoof), null);

        Assert.Null(result.Datasets);
        Assert.Contains("a record of p/ROOT/be1 apart from its others", result.Problem);
    }

    [Fact]
    public void Parse_ValueReadingAsALaterRecordOfItsOwnDataset_IsUnreadable()
    {
        var output = SpoofedOutput($"x\tlocal\np/ROOT/be2\t{UserProperties.Keep}\ton");

        Assert.Contains($"p/ROOT/be2 {UserProperties.Keep} printed twice", ZfsGetParser.Parse(output, null).Problem);
    }

    [Fact]
    public void Parse_ValueWithLineBreaksKnown_ReadsEveryRecordExactly()
    {
        var known = new Dictionary<(string, string), string> { [("p/ROOT/be2", UserProperties.Description)] = Spoof };

        var ds = ZfsGetParser.Parse(SpoofedOutput(Spoof), null, known).Datasets!.ToDictionary(d => d.Name);

        Assert.True(ds["p/ROOT/be1"].Mounted);
        Assert.Equal(Spoof, ds["p/ROOT/be2"].Description);
    }

    [Fact]
    public void Parse_KnownValueChangedSince_IsUnreadable()
    {
        var known = new Dictionary<(string, string), string> { [("p/ROOT/be2", UserProperties.Description)] = "an older\nvalue" };

        Assert.Contains("no longer holds", ZfsGetParser.Parse(SpoofedOutput(Spoof), null, known).Problem);
    }

    [Fact]
    public void Parse_ValueReadingAsAWholeDatasetThatIsNotThere_IsUnreadable()
    {
        // be1's description holds every record of a BE the pool does not have; be1's later records follow it.
        var fake = string.Join('\n', ZfsGetParser.Properties.Select(p => $"p/ROOT/evil\t{p}\t-\t-"));
        var output = Complete("p/ROOT/be1\ttype\tfilesystem\t-", $"p/ROOT/be1\t{UserProperties.Description}\tx\tlocal\n{fake}\tlocal");

        Assert.Contains("a record of p/ROOT/be1 apart from its others", ZfsGetParser.Parse(output, null).Problem);
    }

    [Fact]
    public void Properties_EndWithNumbers_SoNoDatasetsLastRecordHoldsALineBreak()
    {
        Assert.Equal(["creation", "used", "referenced"], ZfsGetParser.Properties.TakeLast(3));
        Assert.DoesNotContain(ZfsGetParser.Properties[^1], ZfsGetParser.TextProperties);
    }

    [Fact]
    public void Parse_ValueWithALineBreakAndNothingElse_IsUnreadable()
    {
        var output = SpoofedOutput("first line\nsecond line");

        Assert.Contains("without a source", ZfsGetParser.Parse(output, null).Problem);
    }

    [Fact]
    public void Parse_DatasetWithoutEveryAskedProperty_IsUnreadable()
    {
        var output = SpoofedOutput("d").Replace("p/ROOT/be2\tused\t-\t-\n", "");

        Assert.Contains($"p/ROOT/be2 has {ZfsGetParser.Properties.Count - 1} of the {ZfsGetParser.Properties.Count}", ZfsGetParser.Parse(output, null).Problem);
    }

    [Fact]
    public void Parse_SourceThatIsNoSource_IsUnreadable()
    {
        var output = Complete("p/x\ttype\tfilesystem\t-").Replace("p/x\tmounted\t-\t-", "p/x\tmounted\tyes\tlocal\tinherited");

        Assert.Contains("is not a property source", ZfsGetParser.Parse(output, null).Problem);
    }

    [Fact]
    public void TextRecords_SourcesOutput_OnlyTextPropertiesThatHoldAValue()
    {
        var records = ZfsGetParser.TextRecords(
            "p/x\ttype\t-\np/x\tmountpoint\tlocal\np/x\torg.snapupgrade:keep\t-\np/x\torg.snapupgrade:description\tlocal\n");

        Assert.Equal([("p/x", "mountpoint"), ("p/x", UserProperties.Description)], records);
    }

    /// <summary>
    /// What zfs prints for the given records: every asked property of every named dataset, in the
    /// asked order, "-" where a sample line does not give one (zfs-fuse and OpenZFS both print every
    /// asked property).
    /// </summary>
    private static string Complete(params string[] lines)
    {
        var given = lines.Where(l => l.Length > 0).Select(l => (Name: l[..l.IndexOf('\t')], Tail: l[(l.IndexOf('\t') + 1)..])).ToList();
        return string.Concat(given.Select(g => g.Name).Distinct().SelectMany(name => ZfsGetParser.Properties.Select(p =>
            given.FirstOrDefault(g => g.Name == name && g.Tail.StartsWith(p + "\t", StringComparison.Ordinal)).Tail is { } rest
                ? $"{name}\t{rest}\n"
                : $"{name}\t{p}\t-\t-\n")));
    }

    private static IReadOnlyList<ZfsDataset> Parse(string output, string? altroot)
    {
        var result = ZfsGetParser.Parse(output, altroot);
        return result.Datasets ?? throw new Xunit.Sdk.XunitException(result.Problem);
    }

    [Fact]
    public void Properties_AskedFor_AreExplicitAndIncludeEveryUserProperty()
    {
        Assert.DoesNotContain("all", ZfsGetParser.Properties);
        Assert.All(UserProperties.All, p => Assert.Contains(p, ZfsGetParser.Properties));
        Assert.Equal(["type", "origin", "mountpoint", "mounted", "canmount"], ZfsGetParser.Properties.Take(5));
    }
}
