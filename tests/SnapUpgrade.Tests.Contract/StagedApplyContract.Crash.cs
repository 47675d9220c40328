using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Staging;
using Xunit;
using static SnapUpgrade.Tests.Contract.TestHostExtensions;

namespace SnapUpgrade.Tests.Contract;

// An apply stopped at every point a kill could cut it (after the copy, after each journal line,
// after each change on the host), then run again: the live data and the report end as one clean
// run leaves them, and no append is there twice.
public abstract partial class StagedApplyContract
{
    private sealed class Killed : Exception;

    /// <summary>Every rule at once: appended while live grew, side by side, replaced, added (a directory too), deleted.</summary>
    private static void EveryRule(StagingHost host)
    {
        Both(host, "log/dpkg.log", "one\n");
        host.Process.AppendAllBytes($"{Live}/log/dpkg.log", Bytes("live\n"));
        Staged(host, "log/dpkg.log", "one\nstaged\n");
        Both(host, "log/conflict", "v1");
        host.Process.WriteAllBytes($"{Live}/log/conflict", Bytes("live"));
        Staged(host, "log/conflict", "staged");
        Both(host, "spool/cron", "v1");
        Staged(host, "spool/cron", "v2");
        Staged(host, "spool/pkg/queue/job", "j");
        Both(host, "log/old", "o");
        host.Process.MakeNode($"{Upper}/log/old", SpecialFile.Whiteout);
        Staged(host, "mail/new", "n");
    }

    [Fact]
    public async Task Apply_KilledAtEveryPointThenRerun_EndsAsACleanRun()
    {
        StagedApplyReport clean;
        SortedDictionary<string, string> cleanState;
        var points = new List<string>();
        await using (var host = await CreateHostAsync())
        {
            EveryRule(host);
            clean = await ApplyAsync(host, points.Add);
            cleanState = Listing(host.Files, Live);
        }
        Assert.Equal(1 + 6 * 3 + 2, points.Count); // copied; begun, acted, done for 6 entries; done only for the 2 that went with their directory
        Assert.Contains("log/dpkg.log: appended 7 bytes to /var/shared/log/dpkg.log", clean.Lines);

        for (var kill = 0; kill < points.Count; kill++)
        {
            await using var host = await CreateHostAsync();
            EveryRule(host);
            var seen = 0;
            var at = kill;
            await Assert.ThrowsAsync<Killed>(() => ApplyAsync(host, _ =>
            {
                if (seen++ == at) throw new Killed();
            }));

            var rerun = await ApplyAsync(host);

            Assert.True(cleanState.SequenceEqual(Listing(host.Files, Live)), $"killed at {points[kill]}: the live data differs from a clean run's");
            Assert.Equal(clean.Lines, rerun.Lines);
        }
    }

    [Fact]
    public async Task Apply_KilledHalfWayThroughAnAppend_RerunCompletesItOnce()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/dpkg.log", "one\n");
        Staged(host, "log/dpkg.log", "one\nstaged line\n");

        await Assert.ThrowsAsync<Killed>(() => ApplyAsync(host, point =>
        {
            if (point != "begun 0") return;
            host.Process.AppendAllBytes($"{Live}/log/dpkg.log", Bytes("staged")); // a write cut off
            throw new Killed();
        }));
        var rerun = await ApplyAsync(host);

        Assert.Equal(Bytes("one\nstaged line\n"), host.Files.ReadAllBytes($"{Live}/log/dpkg.log"));
        Assert.Equal(["log/dpkg.log: appended 12 bytes to /var/shared/log/dpkg.log"], rerun.Lines);
    }

    [Fact]
    public async Task Apply_JournalElsewhere_StagedTreeUnchangedAndRerunUsesIt()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/a", "a\n");
        Staged(host, "log/a", "a\nb\n");
        var before = Listing(host.Files, Upper);
        var changes = StagedChanges.Read(host.Files, Upper, Base);
        StagedApply Apply(Action<string>? checkpoint) =>
            new(host.Files, changes, Live, Be) { JournalPath = "/var/apply-journal", Checkpoint = checkpoint };

        await Assert.ThrowsAsync<Killed>(() => Apply(point =>
        {
            if (point == "acted 0") throw new Killed();
        }).RunAsync(Ct));
        await Apply(null).RunAsync(Ct);

        Assert.Equal(before, Listing(host.Files, Upper));
        Assert.Equal(Bytes("a\nb\n"), host.Files.ReadAllBytes($"{Live}/log/a"));
        Assert.Equal(FileKind.File, host.Files.GetKind("/var/apply-journal"));
    }

    [Fact]
    public async Task Apply_JournalCutMidLine_RerunIgnoresThePieceAndFinishes()
    {
        await using var host = await CreateHostAsync();
        Both(host, "log/a", "a\n");
        Staged(host, "log/a", "a\nb\n");
        Staged(host, "log/new", "n");
        await Assert.ThrowsAsync<Killed>(() => ApplyAsync(host, point =>
        {
            if (point == "done 0") throw new Killed();
        }));
        host.Process.AppendAllBytes(StagedApply.JournalBeside(Upper), Bytes("{\"Index\":1,\"Pa"));

        var rerun = await ApplyAsync(host);

        Assert.Equal(Bytes("a\nb\n"), host.Files.ReadAllBytes($"{Live}/log/a"));
        Assert.Equal(Bytes("n"), host.Files.ReadAllBytes($"{Live}/log/new"));
        Assert.Equal(2, rerun.Changes.Count);
    }
}
