using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// Links planted in the live shared data or in the staged tree, setuid files, FIFOs, and a directory
// swapped for a link between reading and applying: the canary (/canary, outside the shared data)
// is proved unchanged by listing it before and after.
public abstract partial class StagedApplyContract
{
    private const string Canary = "/canary";

    [Fact]
    public async Task Apply_HostileFileLinkLive_NothingWrittenThroughItStagedOnesSideBySide()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        foreach (var name in new[] { "appended", "changed", "deleted" })
        {
            Both(host, $"log/{name}", "base\n");
            host.Files.Delete($"{Live}/log/{name}");
        }
        foreach (var name in new[] { "appended", "changed", "deleted", "added" })
            host.Files.CreateSymlink($"{Live}/log/{name}", $"{canary}/shadow");
        Staged(host, "log/appended", "base\nmore\n");
        Staged(host, "log/changed", "other");
        Staged(host, "log/added", "new");
        host.Process.MakeNode($"{Upper}/log/deleted", SpecialFile.Whiteout);
        var before = Listing(host.Files, Canary);

        var report = await ApplyAsync(host);

        Assert.Equal(before, Listing(host.Files, Canary));
        foreach (var name in new[] { "appended", "changed", "deleted", "added" })
            Assert.Equal(FileKind.Symlink, host.Files.GetKind($"{Live}/log/{name}"));
        Assert.Equal(Bytes("base\nmore\n"), host.Files.ReadAllBytes($"{Live}/log/appended.{Be}"));
        Assert.Equal(Bytes("other"), host.Files.ReadAllBytes($"{Live}/log/changed.{Be}"));
        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes($"{Live}/log/added.{Be}"));
        Assert.Contains("log/deleted: deletion recorded, not performed (changed live since the base)", report.Lines);
    }

    [Fact]
    public async Task Apply_HostileDirectoryLinkLive_ItsEntriesRefusedTheRestApplied()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        Both(host, "log/apt/history.log", "h\n");
        Both(host, "log/other", "o\n");
        host.Files.DeleteTree($"{Live}/log/apt");
        host.Files.CreateSymlink($"{Live}/log/apt", canary);
        Staged(host, "log/apt/history.log", "h\nmore\n");
        Staged(host, "log/apt/term.log", "new");
        Staged(host, "log/other", "o\nmore\n");
        var before = Listing(host.Files, Canary);

        var report = await ApplyAsync(host);

        Assert.Equal(before, Listing(host.Files, Canary));
        Assert.Equal(Bytes("o\nmore\n"), host.Files.ReadAllBytes($"{Live}/log/other"));
        Assert.Equal(
        [
            "log/apt/history.log: refused (/var/shared/log/apt is a symbolic link where a directory is expected)",
            "log/apt/term.log: refused (/var/shared/log/apt is a symbolic link where a directory is expected)",
            "log/other: appended 5 bytes to /var/shared/log/other",
        ], report.Lines);
        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes($"{Upper}/log/apt/term.log")); // kept for the admin
    }

    [Fact]
    public async Task Apply_LiveDirectorySwappedForALinkAfterReading_RefusedNothingWrittenThroughIt()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        Both(host, "spool/q/job", "j");
        Staged(host, "spool/q/job", "j2");
        Staged(host, "spool/q/new", "n");
        var changes = StagedChanges.Read(host.Files, Upper, Base);
        host.Files.Rename($"{Live}/spool/q", $"{Live}/spool/q-aside");
        host.Files.CreateSymlink($"{Live}/spool/q", canary);
        var before = Listing(host.Files, Canary);

        var report = await new StagedApply(host.Files, changes, Live, Be).RunAsync(Ct);

        Assert.Equal(before, Listing(host.Files, Canary));
        Assert.All(report.Changes, c => Assert.Equal(AppliedOutcome.Refused, c.Outcome));
        Assert.Equal(Bytes("j"), host.Files.ReadAllBytes($"{Live}/spool/q-aside/job"));
    }

    [Fact]
    public async Task Apply_FileWhereALiveDirectoryIsExpected_ItsEntriesRefusedTheRestApplied()
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/q/job", "j");
        Both(host, "spool/other", "o");
        host.Files.DeleteTree($"{Live}/spool/q");
        host.Process.WriteAllBytes($"{Live}/spool/q", Bytes("a file now"));
        Staged(host, "spool/q/job", "j2");
        Staged(host, "spool/other", "x");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("a file now"), host.Files.ReadAllBytes($"{Live}/spool/q"));
        Assert.Equal(
        [
            "spool/other: replaced /var/shared/spool/other (it was unchanged live; the base snapshot keeps the old one)",
            "spool/q/job: refused (/var/shared/spool/q is not a directory)",
        ], report.Lines);
    }

    [Fact]
    public async Task Apply_ChangedLink_ReplacedWhereUnchangedLiveSideBySideWhereChanged()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        foreach (var root in new[] { Base, Live })
        {
            host.Process.CreateDirectory($"{root}/log");
            host.Files.CreateSymlink($"{root}/log/current", "dpkg.log.1");
            host.Files.CreateSymlink($"{root}/log/latest", "dpkg.log.1");
        }
        host.Files.Delete($"{Live}/log/latest");
        host.Files.CreateSymlink($"{Live}/log/latest", "dpkg.log.0");
        host.Process.CreateDirectory($"{Upper}/log");
        host.Files.CreateSymlink($"{Upper}/log/current", $"{canary}/shadow");
        host.Files.CreateSymlink($"{Upper}/log/latest", "dpkg.log.2");
        var before = Listing(host.Files, Canary);

        var report = await ApplyAsync(host);

        Assert.Equal(before, Listing(host.Files, Canary));
        Assert.Equal($"{canary}/shadow", host.Files.ReadLink($"{Live}/log/current"));
        Assert.Equal("dpkg.log.0", host.Files.ReadLink($"{Live}/log/latest"));
        Assert.Equal("dpkg.log.2", host.Files.ReadLink($"{Live}/log/latest.{Be}"));
        Assert.Equal(
        [
            "log/current: replaced /var/shared/log/current (it was unchanged live; the base snapshot keeps the old one)",
            $"log/latest: the live one kept; the staged link is side by side as /var/shared/log/latest.{Be}",
        ], report.Lines);
    }

    [Fact]
    public async Task Apply_StagedLinkPointingOut_RecreatedAsALinkNeverFollowed()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        host.Process.CreateDirectory($"{Upper}/log");
        Staged(host, "log/plain", "p");
        host.Files.CreateSymlink($"{Upper}/log/evil", $"{canary}/shadow");
        host.Files.CreateSymlink($"{Upper}/log/evil-dir", canary);
        var before = Listing(host.Files, Canary);

        var report = await ApplyAsync(host);

        Assert.Equal(before, Listing(host.Files, Canary));
        Assert.Equal($"{canary}/shadow", host.Files.ReadLink($"{Live}/log/evil"));
        Assert.Equal(canary, host.Files.ReadLink($"{Live}/log/evil-dir"));
        Assert.Contains("log/evil: added at /var/shared/log/evil", report.Lines);
    }

    [Fact]
    public async Task Apply_StagedSetuidFileOfAUser_StaysThatUsersNeverRootsSetuid()
    {
        await using var host = await CreateHostAsync();
        Staged(host, "spool/bin/tool", "#!/bin/sh\n");
        host.Process.SetOwner($"{Upper}/spool/bin/tool", 1234, 2345);
        host.Process.SetMode($"{Upper}/spool/bin/tool", (UnixFileMode)0xDED); // 06755

        await ApplyAsync(host);

        var st = host.Files.Stat($"{Live}/spool/bin/tool")!;
        Assert.Equal((1234, 2345), (st.Uid, st.Gid));
        Assert.Equal(0xDED, st.Mode);
        Assert.DoesNotContain(Listing(host.Files, Live), e => e.Value.Contains(" 0:", StringComparison.Ordinal)
            && e.Value.StartsWith("File 6", StringComparison.Ordinal));
    }

    /// <summary>
    /// The journal is beside the staged tree, in the BE's own /var/.snapupgrade/staged, which the package command
    /// could write into: a link or a FIFO planted at its name is refused before anything is applied.
    /// </summary>
    [Fact]
    public async Task Apply_LinkOrFifoPlantedAtTheJournalsName_RefusedNothingAppliedNothingWrittenThroughIt()
    {
        await using var host = await CreateHostAsync();
        var canary = PlantCanary(host);
        Both(host, "log/a", "a\n");
        Staged(host, "log/a", "a\nb\n");
        Staged(host, "log/new", "n");
        var journal = StagedApply.JournalBeside(Upper);
        host.Files.CreateSymlink(journal, $"{canary}/shadow");
        var before = Listing(host.Files, Canary);
        var live = Listing(host.Files, Live);

        await Assert.ThrowsAnyAsync<IOException>(() => ApplyAsync(host));

        Assert.Equal(before, Listing(host.Files, Canary));
        Assert.Equal(live, Listing(host.Files, Live));
        host.Files.Delete(journal);
        host.Process.CreateFifo(journal);

        // A FIFO opened for reading with no writer would block: the refusal must come at once.
        await Assert.ThrowsAnyAsync<IOException>(() => ApplyAsync(host).WaitAsync(TimeSpan.FromSeconds(60), Ct));

        Assert.Equal(live, Listing(host.Files, Live));
        Assert.Equal(SpecialFile.Fifo, host.Files.Stat(journal)!.Special);
    }

    [Fact]
    public async Task Apply_StagedFifo_RecreatedAsAFifoNeverOpened()
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/lpd/queue", "file before");
        host.Process.CreateDirectory($"{Upper}/spool/lpd");
        host.Process.CreateFifo($"{Upper}/spool/lpd/fifo");
        host.Process.CreateFifo($"{Upper}/spool/lpd/queue"); // a file replaced by a FIFO
        host.Process.MakeNode($"{Upper}/spool/lpd/null", new SpecialFile(SpecialKind.CharacterDevice, 1, 3));

        // A read of a FIFO with no writer would block: the whole apply must end well within the limit.
        var report = await ApplyAsync(host).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(SpecialFile.Fifo, host.Files.Stat($"{Live}/spool/lpd/fifo")!.Special);
        Assert.Equal(FileKind.Other, host.Files.GetKind($"{Live}/spool/lpd/queue"));
        Assert.Equal(new SpecialFile(SpecialKind.CharacterDevice, 1, 3), host.Files.Stat($"{Live}/spool/lpd/null")!.Special);
        Assert.Equal(Bytes("file before"), host.Files.ReadAllBytes($"{Base}/spool/lpd/queue"));
        Assert.Equal(
        [
            "spool/lpd/fifo: added at /var/shared/spool/lpd/fifo",
            "spool/lpd/null: added at /var/shared/spool/lpd/null",
            "spool/lpd/queue: replaced /var/shared/spool/lpd/queue (it was unchanged live; the base snapshot keeps the old one)",
        ], report.Lines);
    }

    /// <summary>A directory outside the shared data with a file in it; returns its path as a link target.</summary>
    private static string PlantCanary(StagingHost host)
    {
        host.Process.CreateDirectory(Canary);
        host.Process.WriteAllBytes($"{Canary}/shadow", Bytes("root:secret"));
        // A link's target is read by the kernel on this machine: for a local host, the real path.
        return host.LocalRoot is null ? Canary : host.LocalRoot + Canary;
    }
}
