using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
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

    [Fact]
    public async Task Apply_OpaqueDirectory_NewEntriesAddedHiddenOnesDeletedWhereUnchanged()
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/q/old1", "1");
        Both(host, "spool/q/old2", "2");
        host.Process.AppendAllBytes($"{Live}/spool/q/old2", Bytes(" and more live"));
        Staged(host, "spool/q/fresh", "f");
        host.Process.SetXattr($"{Upper}/spool/q", "trusted.overlay.opaque", "y"u8.ToArray());

        var report = await ApplyAsync(host);

        Assert.Equal(["fresh", "old2"], host.Files.List($"{Live}/spool/q"));
        Assert.Equal(
        [
            "spool/q/fresh: added at /var/shared/spool/q/fresh",
            "spool/q/old1: deletion done at /var/shared/spool/q/old1",
            "spool/q/old2: deletion recorded, not performed (changed live since the base)",
        ], report.Lines);
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
