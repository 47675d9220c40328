using System.Text.Json;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
using SnapUpgrade.Tests.Support;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

/// <summary>
/// Reading a staged (overlayfs upper) tree and applying it to live shared data, on every
/// <see cref="IHostFiles"/>: the simulator and <c>LocalFiles</c> on tmpfs. The layout of every test:
/// the base (the shared dataset's snapshot at staging time) at <see cref="Base"/>, the upper tree at
/// <see cref="Upper"/> (on the BE), the live shared data at <see cref="Live"/> (its own file system).
/// Split: the rules (this file), attacks (.Attacks.cs), kills and reruns (.Crash.cs); what needs
/// xattrs and RENAME_EXCHANGE, which zfs-fuse lacks, is in <see cref="StagedApplyOverlayContract"/>.
/// </summary>
public abstract partial class StagedApplyContract
{
    protected const string Base = "/snap";
    protected const string Upper = "/var/.snapupgrade/staged";
    protected const string Live = "/var/shared";
    protected const string Be = "be2";

    protected abstract Task<StagingHost> CreateHostAsync();

    [Fact]
    public async Task Apply_APackagesFileOfTheJournalsOldName_IsAppliedLikeAnyOther_AndTheJournalIsBesideTheTree()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/f", "1");
        Staged(host, $"log/{StagedApply.JournalName}", "mine");

        var report = await new StagedApply(host.Files, StagedChanges.Read(host.Files, $"{Upper}/log", $"{Base}/log"), $"{Live}/log", Be).RunAsync(Ct);

        Assert.Equal(Bytes("mine"), host.Files.ReadAllBytes($"{Live}/log/{StagedApply.JournalName}"));
        Assert.Single(report.Changes);
        Assert.Equal(Bytes("mine"), host.Files.ReadAllBytes($"{Upper}/log/{StagedApply.JournalName}"));
        Assert.Equal(FileKind.File, host.Files.GetKind($"{Upper}/{StagedApply.JournalName}-log"));
    }

    [Fact]
    public async Task Apply_NewFileAndDirectory_AddedWithTheirContent()
    {
        await using var host = await CreateHostAsync();
        host.Process.CreateDirectory($"{Live}/log");
        host.Process.CreateDirectory($"{Base}/log");
        Staged(host, "log/new", "new");
        Staged(host, "log/dpkg/deep/file", "deep");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes($"{Live}/log/new"));
        Assert.Equal(Bytes("deep"), host.Files.ReadAllBytes($"{Live}/log/dpkg/deep/file"));
        Assert.Equal(
        [
            "log/dpkg: added at /var/shared/log/dpkg",
            "log/dpkg/deep: added at /var/shared/log/dpkg/deep (with its directory)",
            "log/dpkg/deep/file: added at /var/shared/log/dpkg/deep/file (with its directory)",
            "log/new: added at /var/shared/log/new",
        ], report.Lines);
        Assert.Equal(FileKind.Missing, host.Files.GetKind($"{Live}/.snapupgrade-staging"));
        Assert.Equal(Bytes("new"), host.Files.ReadAllBytes($"{Upper}/log/new")); // the staged tree is kept
    }

    [Fact]
    public async Task Apply_AppendedWhileTheLiveFileGrew_OnlyTheTailIsAppended()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/dpkg.log", "one\n");
        host.Process.AppendAllBytes($"{Live}/log/dpkg.log", Bytes("live\n"));
        Staged(host, "log/dpkg.log", "one\nstaged\n");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("one\nlive\nstaged\n"), host.Files.ReadAllBytes($"{Live}/log/dpkg.log"));
        Assert.Equal(["log/dpkg.log: appended 7 bytes to /var/shared/log/dpkg.log"], report.Lines);
    }

    [Fact]
    public async Task Apply_ChangedStagedAndLive_SideBySideAndThenTheNextName()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/c", "v1");
        Both(host, "log/d", "v1");
        host.Process.WriteAllBytes($"{Live}/log/c", Bytes("live"));
        host.Process.WriteAllBytes($"{Live}/log/d", Bytes("live"));
        host.Process.WriteAllBytes($"{Live}/log/d.{Be}", Bytes("someone's"));
        Staged(host, "log/c", "staged");
        Staged(host, "log/d", "staged");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("live"), host.Files.ReadAllBytes($"{Live}/log/c"));
        Assert.Equal(Bytes("staged"), host.Files.ReadAllBytes($"{Live}/log/c.{Be}"));
        Assert.Equal(Bytes("live"), host.Files.ReadAllBytes($"{Live}/log/d"));
        Assert.Equal(Bytes("someone's"), host.Files.ReadAllBytes($"{Live}/log/d.{Be}"));
        Assert.Equal(Bytes("staged"), host.Files.ReadAllBytes($"{Live}/log/d.{Be}.2"));
        Assert.Equal(
        [
            $"log/c: the live one kept; the staged file is side by side as /var/shared/log/c.{Be}",
            $"log/d: the live one kept; the staged file is side by side as /var/shared/log/d.{Be}.2",
        ], report.Lines);
    }

    [Fact]
    public async Task Apply_ChangedOnlyStaged_ReplacedAtomicallyAsANewFile()
    {
        await using var host = await CreateHostAsync();
        Both(host, "spool/cron", "v1");
        var before = host.Files.Stat($"{Live}/spool/cron")!.Identity;
        Staged(host, "spool/cron", "v2");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("v2"), host.Files.ReadAllBytes($"{Live}/spool/cron"));
        Assert.NotEqual(before, host.Files.Stat($"{Live}/spool/cron")!.Identity); // renamed in, not written over
        Assert.Equal(Bytes("v1"), host.Files.ReadAllBytes($"{Base}/spool/cron"));
        Assert.Equal(["spool/cron: replaced /var/shared/spool/cron (it was unchanged live; the base snapshot keeps the old one)"], report.Lines);
        Assert.Equal(["cron"], host.Files.List($"{Live}/spool"));
    }

    [Fact]
    public async Task Apply_Deletions_DoneWhereUnchangedLiveRecordedWhereChanged()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/unchanged", "u");
        Both(host, "log/changed", "c");
        Both(host, "log/dir/f", "f");
        Both(host, "log/busy/f", "f");
        host.Process.WriteAllBytes($"{Live}/log/changed", Bytes("changed live"));
        host.Process.WriteAllBytes($"{Live}/log/busy/new-live", Bytes("n"));
        host.Process.CreateDirectory($"{Upper}/log");
        foreach (var name in new[] { "unchanged", "changed", "dir", "busy" })
            host.Process.MakeNode($"{Upper}/log/{name}", SpecialFile.Whiteout);

        var report = await ApplyAsync(host);

        Assert.Equal(["busy", "changed"], host.Files.List($"{Live}/log"));
        Assert.Equal(["new-live"], host.Files.List($"{Live}/log/busy"));
        Assert.Equal(Bytes("changed live"), host.Files.ReadAllBytes($"{Live}/log/changed"));
        Assert.Equal(
        [
            "log/busy/f: deletion done at /var/shared/log/busy/f",
            "log/busy: deletion recorded, not performed (the live directory is not empty)",
            "log/changed: deletion recorded, not performed (changed live since the base)",
            "log/dir/f: deletion done at /var/shared/log/dir/f",
            "log/dir: deletion done at /var/shared/log/dir",
            "log/unchanged: deletion done at /var/shared/log/unchanged",
        ], report.Lines);
    }

    [Fact]
    public async Task Apply_AddedNameTakenLive_IdenticalLeftOtherSideBySide()
    {
        await using var host = await CreateHostAsync();
        host.Process.CreateDirectory($"{Base}/mail");
        host.Process.CreateDirectory($"{Live}/mail");
        host.Process.WriteAllBytes($"{Live}/mail/same", Bytes("same"));
        host.Process.WriteAllBytes($"{Live}/mail/root", Bytes("delivered live"));
        Staged(host, "mail/same", "same");
        Staged(host, "mail/root", "written by the package");

        var report = await ApplyAsync(host);

        Assert.Equal(Bytes("delivered live"), host.Files.ReadAllBytes($"{Live}/mail/root"));
        Assert.Equal(Bytes("written by the package"), host.Files.ReadAllBytes($"{Live}/mail/root.{Be}"));
        Assert.Equal(
        [
            $"mail/root: the live one kept; the staged file is side by side as /var/shared/mail/root.{Be}",
            "mail/same: already there at /var/shared/mail/same",
        ], report.Lines);
    }

    [Fact]
    public async Task Apply_Twice_SecondRunChangesNothingAndReportsTheSame()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/a.log", "one\n");
        Staged(host, "log/a.log", "one\ntwo\n");
        Staged(host, "log/new", "n");

        var first = await ApplyAsync(host);
        var second = await ApplyAsync(host);

        Assert.Equal(Bytes("one\ntwo\n"), host.Files.ReadAllBytes($"{Live}/log/a.log"));
        Assert.Equal(first.Lines, second.Lines);
    }

    [Fact]
    public async Task Report_Json_RoundTripsEveryLine()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/a.log", "one\n");
        Staged(host, "log/a.log", "one\ntwo\n");
        Staged(host, "log/new", "n");
        var report = await ApplyAsync(host);

        var json = JsonSerializer.Serialize(report);
        var back = JsonSerializer.Deserialize<StagedApplyReport>(json)!;

        Assert.Contains("\"Outcome\":\"Appended\"", json, StringComparison.Ordinal);
        Assert.Equal(report.Lines, back.Lines);
        Assert.Equal(report.Changes, back.Changes);
    }

    // --- helpers ---------------------------------------------------------------------------------

    /// <summary>The same file in the base and live (as at staging time), parents made.</summary>
    protected static void Both(StagingHost host, string rel, string content)
    {
        foreach (var root in new[] { Base, Live })
        {
            host.Process.CreateDirectory(Parent($"{root}/{rel}"));
            host.Process.WriteAllBytes($"{root}/{rel}", Bytes(content));
        }
    }

    protected static void Staged(StagingHost host, string rel, string content)
    {
        host.Process.CreateDirectory(Parent($"{Upper}/{rel}"));
        host.Process.WriteAllBytes($"{Upper}/{rel}", Bytes(content));
        var dir = rel.Split('/')[0];
        foreach (var root in new[] { Base, Live })
            if (host.Process.GetKind($"{root}/{dir}") == FileKind.Missing) host.Process.CreateDirectory($"{root}/{dir}");
    }

    protected static string Parent(string path) => path[..path.LastIndexOf('/')];

    protected static Task<StagedApplyReport> ApplyAsync(StagingHost host, Action<string>? checkpoint = null) =>
        new StagedApply(host.Files, StagedChanges.Read(host.Files, Upper, Base), Live, Be) { Checkpoint = checkpoint }.RunAsync(Ct);

    /// <summary>Every entry under <paramref name="root"/>, through the no-follow port: kind, mode, owners, bytes or target.</summary>
    protected static SortedDictionary<string, string> Listing(IHostFiles files, string root)
    {
        var listing = new SortedDictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path)
        {
            foreach (var name in files.List(path))
            {
                var child = $"{path}/{name}";
                var st = files.Stat(child)!;
                var what = st.Kind switch
                {
                    FileKind.File => Convert.ToHexString(files.ReadAllBytes(child)),
                    FileKind.Symlink => files.ReadLink(child),
                    FileKind.Other => st.Special?.ToString(),
                    _ => "",
                };
                listing[child[root.Length..]] = $"{st.Kind} {Convert.ToString(st.Mode, 8)} {st.Uid}:{st.Gid} {what}";
                if (st.Kind == FileKind.Directory) Walk(child);
            }
        }
        Walk(root);
        return listing;
    }
}

/// <summary>One test's host for the staged-apply contract: both ports over it, and its removal.</summary>
public sealed class StagingHost(IHostFiles files, IProcessFiles process, Func<ValueTask> dispose, string? localRoot = null) : IAsyncDisposable
{
    public IHostFiles Files { get; } = files;
    public IProcessFiles Process { get; } = process;

    /// <summary>The host root on this machine for a local host (null for the simulator).</summary>
    public string? LocalRoot { get; } = localRoot;

    public ValueTask DisposeAsync() => dispose();
}
