using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Core.Steps;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// The staged-apply contract for file systems with xattrs (overlayfs' opaque and origin marks) and
/// RENAME_EXCHANGE: the simulator, tmpfs (and ext4, OpenZFS 2.2). zfs-fuse has neither and runs
/// <see cref="StagedApplyContract"/> alone.
/// </summary>
public abstract class StagedApplyOverlayContract : StagedApplyContract
{
    [Fact]
    public async Task Read_EveryKindOfChange_ClassifiedAgainstTheBase()
    {
        await using var host = await CreateHostAsync();
        var p = host.Process;
        Both(host, "log/a.log", "one\n");
        Both(host, "log/x", "keep");
        Both(host, "log/c", "c1");
        Both(host, "log/same", "same");
        Both(host, "log/apt/history.log", "h");
        Both(host, "log/gone/f", "g");
        Both(host, "log/gone/kept", "k");
        Staged(host, "log/a.log", "one\ntwo\n");
        Staged(host, "log/new", "new");
        Staged(host, "log/c", "c2");
        Staged(host, "log/same", "same");
        p.MakeNode($"{Upper}/log/x", SpecialFile.Whiteout);
        p.MakeNode($"{Upper}/log/apt", SpecialFile.Whiteout);
        Staged(host, "log/gone/g2", "g2");
        Staged(host, "log/gone/kept", "k");
        p.SetXattr($"{Upper}/log/gone", "trusted.overlay.opaque", "y"u8.ToArray());
        Staged(host, "log/d/e", "e");
        host.Files.CreateSymlink($"{Upper}/log/l", "/etc/shadow");
        p.CreateFifo($"{Upper}/log/fifo");

        var changes = StagedChanges.Read(host.Files, Upper, Base);

        Assert.Equal(
        [
            "log/a.log Appended File 4",
            "log/apt/history.log Deleted File 1",
            "log/apt Deleted Directory 0",
            "log/c Changed File 0",
            "log/d Added Directory 0",
            "log/d/e Added File 0",
            "log/fifo Added Other 0",
            "log/gone/g2 Added File 0",
            "log/gone/f Deleted File 1",
            "log/l Added Symlink 0",
            "log/new Added File 0",
            "log/x Deleted File 4",
        ], changes.Changes.Select(c => $"{c.Path} {c.Kind} {c.Type} {c.BaseSize}"));
        Assert.Equal("/etc/shadow", changes.Changes.Single(c => c.Path == "log/l").LinkTarget);
        Assert.Equal(SpecialFile.Fifo, changes.Changes.Single(c => c.Path == "log/fifo").Special);
    }

    /// <param name="recorded">
    /// The directory's mark lost (as by the finish's copy into the BE) and named in the finish's record instead
    /// (<see cref="OpaqueRecord"/>): the same deletions as for a marked one.
    /// </param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Apply_OpaqueDirectory_NewEntriesAddedHiddenOnesDeletedWhereUnchanged(bool recorded)
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/q/old1", "1");
        Both(host, "spool/q/old2", "2");
        Both(host, "spool/other", "o");
        host.Process.AppendAllBytes($"{Live}/spool/q/old2", Bytes(" and more live"));
        Staged(host, "spool/q/fresh", "f");
        if (!recorded) host.Process.SetXattr($"{Upper}/spool/q", "trusted.overlay.opaque", "y"u8.ToArray());

        var report = await new StagedApply(host.Files,
            StagedChanges.Read(host.Files, Upper, Base, recorded ? new HashSet<string>(["spool/q"]) : null), Live, Be).RunAsync(Ct);

        Assert.Equal(["fresh", "old2"], host.Files.List($"{Live}/spool/q"));
        Assert.Equal(Bytes("o"), host.Files.ReadAllBytes($"{Live}/spool/other"));
        Assert.Equal(
        [
            "spool/q/fresh: added at /var/shared/spool/q/fresh",
            "spool/q/old1: deletion done at /var/shared/spool/q/old1",
            "spool/q/old2: deletion recorded, not performed (changed live since the base)",
        ], report.Lines);
    }

    /// <summary>
    /// Issue 14's opaque marks: the finish copies each upper tree into the BE without overlayfs' xattrs, so the
    /// mark of a directory the command removed and made again travels in the finish's record
    /// (<see cref="OpaqueRecord"/>). The copy read with the record gives the changes the marked tree gives;
    /// without it (a tree from before the record) the hidden entries are not even recorded as deleted.
    /// </summary>
    [Fact]
    public async Task Read_CopiedWithoutMarksWithTheFinishsRecord_SameChangesAsTheMarkedTree()
    {
        await using var host = await CreateHostAsync();
        const string odd = "odd\nname"; // a newline in a directory's name: the record is JSON
        Both(host, "spool/q/old1", "1");
        Both(host, "spool/q/sub/deep", "d");
        Both(host, $"spool/{odd}/x", "x");
        Both(host, "spool/kept", "k");
        Staged(host, "spool/q/fresh", "f");
        Staged(host, $"spool/{odd}/y", "y");
        Staged(host, "spool/plain/new", "n");
        host.Process.SetXattr($"{Upper}/spool/q", "trusted.overlay.opaque", "y"u8.ToArray());
        host.Process.SetXattr($"{Upper}/spool/{odd}", "user.overlay.opaque", "y"u8.ToArray());
        var marked = StagedChanges.Read(host.Files, $"{Upper}/spool", $"{Base}/spool");
        var record = new OpaqueRecord(new Dictionary<string, IReadOnlyList<string>> { ["spool"] = OpaqueRecord.Find(host.Files, $"{Upper}/spool") });

        // As the finish keeps it in the BE: the record written whole at the top, the tree copied without marks.
        const string kept = "/var/.snapupgrade/kept";
        host.Process.CreateDirectory(kept);
        FileSteps.WriteWhole(host.Files, $"{kept}/{OpaqueRecord.FileName}", record.ToJson());
        await host.Files.CopyTreeAsync(new TreeCopy($"{Upper}/spool", $"{kept}/spool", WithoutOverlayMarks: true), Ct);
        Assert.Null(host.Files.GetXattr($"{kept}/spool/q", "trusted.overlay.opaque"));
        var read = OpaqueRecord.Read(host.Files, $"{kept}/{OpaqueRecord.FileName}");
        var copied = StagedChanges.Read(host.Files, $"{kept}/spool", $"{Base}/spool", read!.For("spool"));

        Assert.Equal([odd, "q"], record.Opaque["spool"]);
        Assert.Equal(FileKind.Missing, host.Files.GetKind(FileSteps.TempName($"{kept}/{OpaqueRecord.FileName}")));
        string[] expected =
        [
            $"{odd}/y Added",
            $"{odd}/x Deleted",
            "plain Added",
            "plain/new Added",
            "q/fresh Added",
            "q/old1 Deleted",
            "q/sub/deep Deleted",
            "q/sub Deleted",
        ];
        Assert.Equal(expected, marked.Changes.Select(c => $"{c.Path} {c.Kind}"));
        Assert.Equal(marked.Changes, copied.Changes);
        Assert.DoesNotContain(StagedChanges.Read(host.Files, $"{kept}/spool", $"{Base}/spool").Changes, c => c.Kind == StagedKind.Deleted);
    }

    [Fact]
    public async Task Read_RecordNamingWhatIsNoDirectoryOfTheStagedTree_Ignored()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/f", "1");
        Both(host, "log/d/old", "o");
        Both(host, "log/gone/old", "o");
        Staged(host, "log/f", "2");
        Staged(host, "log/d/new", "n");
        var before = StagedChanges.Read(host.Files, $"{Upper}/log", $"{Base}/log");

        var read = StagedChanges.Read(host.Files, $"{Upper}/log", $"{Base}/log",
            new HashSet<string>(["f", "gone", "..", "../log", "/snap/log/d", "d/", "", "."]));

        Assert.Equal(before.Changes, read.Changes);
        Assert.DoesNotContain(read.Changes, c => c.Kind == StagedKind.Deleted);
    }

    [Fact]
    public async Task Read_DotNamesAtTheTop_AreStagedWrites_TheJournalsNameToo()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/f", "1");
        Staged(host, "log/.hidden", "a package's own dot file");
        Staged(host, "log/.d/x", "x");
        Staged(host, $"log/{StagedApply.JournalName}", "a package's own file of the journal's old name");

        var read = StagedChanges.Read(host.Files, $"{Upper}/log", $"{Base}/log");

        Assert.Equal([(".applied", StagedKind.Added), (".d", StagedKind.Added), (".d/x", StagedKind.Added), (".hidden", StagedKind.Added)],
            read.Changes.Select(c => (c.Path, c.Kind)).OrderBy(c => c.Path, StringComparer.Ordinal));
    }

    [Fact]
    public async Task OpaqueRecord_MissingReadsAsNone_AnythingButItsJsonRefused()
    {
        await using var host = await CreateHostAsync();
        const string path = "/var/.snapupgrade/staged/.opaque";
        host.Process.CreateDirectory("/var/.snapupgrade/staged");

        Assert.Null(OpaqueRecord.Read(host.Files, path));
        host.Process.WriteAllBytes(path, Bytes("{\"Opaque\":{\"log\":null}}"));
        Assert.Throws<InvalidDataException>(() => OpaqueRecord.Read(host.Files, path));
        host.Process.WriteAllBytes(path, Bytes("not json"));
        Assert.Throws<InvalidDataException>(() => OpaqueRecord.Read(host.Files, path));
        host.Files.Delete(path);
        host.Files.CreateSymlink(path, "/etc/passwd");
        Assert.Throws<InvalidDataException>(() => OpaqueRecord.Read(host.Files, path));
    }

    [Fact]
    public async Task Apply_OverlayMarksOnStagedEntries_LeftOutOtherXattrsKept()
    {
        await using var host = await CreateHostAsync();
        Staged(host, "log/new/file", "n");
        host.Process.SetXattr($"{Upper}/log/new", "trusted.overlay.opaque", "y"u8.ToArray());
        host.Process.SetXattr($"{Upper}/log/new/file", "trusted.overlay.origin", [0, 1, 2]);
        host.Process.SetXattr($"{Upper}/log/new/file", "user.overlay.impure", "y"u8.ToArray());
        host.Process.SetXattr($"{Upper}/log/new/file", "user.origin", Bytes("lab"));

        await ApplyAsync(host);

        Assert.Null(host.Files.GetXattr($"{Live}/log/new", "trusted.overlay.opaque"));
        Assert.Null(host.Files.GetXattr($"{Live}/log/new/file", "trusted.overlay.origin"));
        Assert.Null(host.Files.GetXattr($"{Live}/log/new/file", "user.overlay.impure"));
        Assert.Equal(Bytes("lab"), host.Files.GetXattr($"{Live}/log/new/file", "user.origin"));
        Assert.Equal([0, 1, 2], host.Files.GetXattr($"{Upper}/log/new/file", "trusted.overlay.origin")); // the staged tree is kept as it was
    }

    [Fact]
    public async Task Apply_LiveFileChangedWhileBeingReplaced_SwappedBackStagedOneSideBySide()
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/cron", "v1");
        Staged(host, "spool/cron", "v2");

        var report = await ApplyAsync(host, point =>
        {
            // Between the look (live is the base's) and the exchange: someone edits the live file.
            if (point == "begun 0") host.Process.WriteAllBytes($"{Live}/spool/cron", Bytes("edited live"));
        });

        Assert.Equal(Bytes("edited live"), host.Files.ReadAllBytes($"{Live}/spool/cron"));
        Assert.Equal(Bytes("v2"), host.Files.ReadAllBytes($"{Live}/spool/cron.{Be}"));
        Assert.Equal([$"spool/cron: the live one kept; the staged file is side by side as /var/shared/spool/cron.{Be} " +
            "(the live one changed while it was being replaced)"], report.Lines);
    }

    [Theory]
    [InlineData("log/a.log", "trusted.overlay.metacopy")]
    [InlineData("log/a.log", "user.overlay.metacopy")]
    [InlineData("log/sub", "trusted.overlay.redirect")]
    public async Task Read_MetacopyOrRedirectedEntry_RefusedWholeNothingApplied(string rel, string xattr)
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/a.log", "one\n");
        Staged(host, "log/a.log", ""); // what a metacopy upper file reads as: its bytes are in the lower
        Staged(host, "log/sub/f", "f");
        host.Process.SetXattr($"{Upper}/{rel}", xattr, [1]);

        var refused = Assert.Throws<InvalidDataException>(() => StagedChanges.Read(host.Files, Upper, Base));

        Assert.Contains(xattr, refused.Message, StringComparison.Ordinal);
        Assert.Equal(Bytes("one\n"), host.Files.ReadAllBytes($"{Live}/log/a.log"));
    }
}
