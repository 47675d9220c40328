using System.Text.Json;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.Sim;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class StateJournalTests
{
    [Fact]
    public async Task Restart_AfterManyKindsOfChange_SeesTheSameHostWithOnlyTheJournalWritten()
    {
        using var state = new TempStateFile();
        var first = await BootedAsync(state.Path);
        first.WriteAllBytes("/var/shared/ballast", new byte[100_000]);
        await first.RunAsync(new ZfsSet(Layout.Be("be1"), "org.test:a", "1")); // the journal outgrew its base: a new base, holding the ballast
        var baseFile = new FileInfo(state.Path);
        var written = (baseFile.LastWriteTimeUtc, baseFile.Length);
        var lines = File.ReadAllLines(state.Journal).Length;

        await first.RunAsync(new ZfsSnapshot(Layout.Be("be1") + "@s1"));
        await first.CloneBeAsync(Layout.Be("be1") + "@s1", "be2");
        await first.RunAsync(new ZfsSnapshot(Layout.Be("be2") + "@s2"));
        await first.RunAsync(new ZfsPromote(Layout.Be("be2")));
        await first.RunAsync(new ZfsRename(Layout.Be("be2") + "@s2", Layout.Be("be2") + "@renamed"));
        await first.CloneBeAsync(Layout.Be("be2") + "@renamed", "be3");
        await first.RunAsync(new ZfsRename(Layout.Be("be3"), Layout.Be("be4")));
        await first.RunAsync(new ZfsDestroy(Layout.Be("be4")));
        await first.RunAsync(new ZfsInherit(Layout.Be("be1"), "org.test:a"));
        await first.RunAsync(new ZfsSet(Layout.Be("be2"), "org.test:b", "2"));
        await first.RunAsync(new ZpoolSetBootfs(Pool, Layout.Be("be2")));
        await first.RunAsync(new ZfsCreate(Pool + "/data", Props(("mountpoint", "/data"))));
        first.WriteAllBytes("/data/f", [1, 2, 3]);
        first.WriteAllBytes("/etc/hostname", Bytes("journal\n"));
        first.CreateSymlink("/etc/link", "hostname");
        first.Delete("/var/shared/ballast");
        first.CreateDirectory("/mnt/ro");
        await first.BindAsync("/var/shared", "/mnt/ro", readOnly: true, Ct);
        baseFile.Refresh();

        Assert.Equal(written, (baseFile.LastWriteTimeUtc, baseFile.Length));
        Assert.Equal(lines + 20, File.ReadAllLines(state.Journal).Length); // one line for each of the 20 commands and file changes
        await AssertSameHostAsync(first, new SimulatedZfs(state.Path));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_ATornLastRecord_LoadsTheStateBeforeItAndWritesOnFromThere(bool endsInANewline)
    {
        using var state = new TempStateFile();
        BaseAndTwoRecords(state);
        var journal = File.ReadAllBytes(state.Journal);
        File.WriteAllBytes(state.Journal, [.. journal[..^40], .. endsInANewline ? "\n"u8.ToArray() : []]); // a crash mid-append

        var back = new SimParts(empty: true);
        var restarted = new StateStore(state.Path);
        restarted.Read(back.Datasets, back.Mounts, back.Trees);
        back.Datasets.Add("tank/d", isSnapshot: false, DirNode.Empty, Epoch);
        restarted.Write(back.Datasets, back.Mounts, back.Trees);
        var again = new SimParts(empty: true);
        new StateStore(state.Path).Read(again.Datasets, again.Mounts, again.Trees);

        Assert.Equal(["tank", "tank/b"], back.Datasets.All.Where(d => d.Name != "tank/d").Select(d => d.Name));
        Assert.Equal(["tank", "tank/b", "tank/d"], again.Datasets.All.Select(d => d.Name));
    }

    [Fact]
    public void Read_AJournalOfAnotherGeneration_IsIgnored()
    {
        using var state = new TempStateFile();
        var parts = new SimParts();
        var store = new StateStore(state.Path);
        store.Write(parts.Datasets, parts.Mounts, parts.Trees);
        var b = parts.FileSystem("tank/b");
        store.Write(parts.Datasets, parts.Mounts, parts.Trees);
        var older = File.ReadAllBytes(state.Journal);
        parts.Datasets.Remove(b);
        new StateStore(state.Path).Write(parts.Datasets, parts.Mounts, parts.Trees); // a new base and journal...
        File.WriteAllBytes(state.Journal, older); // ...but a crash came before the journal's rename

        var back = new SimParts(empty: true);
        new StateStore(state.Path).Read(back.Datasets, back.Mounts, back.Trees);

        Assert.Equal(["tank"], back.Datasets.All.Select(d => d.Name));
    }

    [Fact]
    public void Read_ABadRecordBeforeTheLast_IsRefusedNamingTheJournalAndLine()
    {
        using var state = new TempStateFile();
        BaseAndTwoRecords(state);
        var lines = File.ReadAllLines(state.Journal);
        Assert.Equal(3, lines.Length);
        lines[1] = lines[1][..20] + "#" + lines[1][21..];
        File.WriteAllText(state.Journal, string.Join('\n', lines) + "\n");
        var back = new SimParts(empty: true);

        var error = Assert.Throws<InvalidDataException>(() => new StateStore(state.Path).Read(back.Datasets, back.Mounts, back.Trees));

        Assert.Contains($"line 2 of simulator journal '{state.Journal}'", error.Message);
    }

    [Fact]
    public async Task Persist_AJournalLargerThanItsBase_StartsANewBaseAndJournal()
    {
        using var state = new TempStateFile();
        var host = await BootedAsync(state.Path);
        var generation = Generation(state.Path);
        var (baseBefore, journalBefore, written) = (0L, 0L, 0);

        while (Generation(state.Path) == generation)
        {
            (baseBefore, journalBefore) = (new FileInfo(state.Path).Length, new FileInfo(state.Journal).Length);
            host.WriteAllBytes($"/var/shared/f{written++}", new byte[30_000]);
            Assert.InRange(written, 1, 10);
        }

        Assert.True(journalBefore > baseBefore, $"compacted with a journal of {journalBefore} bytes and a base of {baseBefore}");
        Assert.Single(File.ReadAllLines(state.Journal));
        Assert.True(new FileInfo(state.Path).Length > written * 30_000L, "the new base holds every file");
        await host.RunAsync(new ZfsSet(Layout.Be("be1"), "org.test:a", "after"));
        Assert.Equal(2, File.ReadAllLines(state.Journal).Length);
        await AssertSameHostAsync(host, new SimulatedZfs(state.Path));
    }

    /// <summary>
    /// Random zfs commands, file writes and binds on the parts, each persisted, with a reload at random points
    /// compared whole with the parts (pools, datasets, mounts, every tree node), and sometimes a restart onto
    /// what was reloaded, as a console killed and started again.
    /// </summary>
    [Fact]
    public void WriteAndRead_TwoHundredRandomChanges_ReloadAsTheyAreAtEveryPoint()
    {
        using var state = new TempStateFile();
        var random = new Random(13);
        var parts = new SimParts();
        parts.Tree.EnsureDirectory(P("/b"));
        var store = new StateStore(state.Path);
        var commands = parts.Commands();
        var (reloads, appended, generations) = (0, 0, new HashSet<string>());
        for (var step = 0; step < 200; step++)
        {
            try
            {
                RandomChange(parts, commands, random, step);
            }
            catch (Exception e) when (e is ZfsCommandException or IOException or UnauthorizedAccessException)
            {
                // refused, maybe half-way, as zfs can: persisted all the same
            }
            store.Write(parts.Datasets, parts.Mounts, parts.Trees);
            if (random.Next(12) != 0 && step != 199) continue;

            var back = new SimParts(empty: true);
            new StateStore(state.Path).Read(back.Datasets, back.Mounts, back.Trees);
            Assert.Equal(Canonical(parts, state), Canonical(back, state));
            (reloads, appended) = (reloads + 1, appended + (File.ReadAllLines(state.Journal).Length > 1 ? 1 : 0));
            generations.Add(Generation(state.Path));
            if (random.Next(2) == 0) (parts, store, commands) = (back, new StateStore(state.Path), back.Commands());
        }

        Assert.InRange(reloads, 10, 30);
        Assert.True(appended > reloads / 2, $"{appended} of {reloads} reloads read a journal");
        Assert.True(generations.Count > 2, $"{generations.Count} generations");
        Assert.True(parts.Datasets.All.Count() > 10, "the changes made datasets");
    }

    private static void RandomChange(SimParts parts, ZfsCommands commands, Random random, int step)
    {
        var fileSystems = parts.Datasets.All.Where(d => !d.IsSnapshot).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        var snapshots = parts.Datasets.All.Where(d => d.IsSnapshot).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        var below = fileSystems.Where(n => n != "tank").ToList();
        string Any(List<string> names) => names[random.Next(names.Count)];
        var mounted = parts.Mounts.Entries.Select(m => m.Target).Append("/b").ToList();
        switch (random.Next(13))
        {
            case 0:
                commands.Execute(new ZfsCreate($"{Any(fileSystems)}/d{step}",
                    random.Next(2) == 0 ? null : Props(("mountpoint", $"/m/d{step}"))));
                break;
            case 1:
                commands.Execute(new ZfsSnapshot($"{Any(fileSystems)}@s{step}", recursive: random.Next(3) == 0));
                break;
            case 2 when snapshots.Count > 0:
                commands.Execute(new ZfsClone(Any(snapshots), $"tank/c{step}",
                    random.Next(2) == 0 ? null : Props(("mountpoint", $"/m/c{step}"))));
                break;
            case 3 when parts.Datasets.All.Any(d => d.Origin is not null):
                commands.Execute(new ZfsPromote(Any([.. parts.Datasets.All.Where(d => d.Origin is not null).Select(d => d.Name)])));
                break;
            case 4 when below.Count > 0:
                commands.Execute(new ZfsRename(Any(below), $"tank/r{step}"));
                break;
            case 5 when snapshots.Count > 0:
                var snapshot = Any(snapshots);
                commands.Execute(new ZfsRename(snapshot, $"{snapshot[..snapshot.IndexOf('@')]}@r{step}"));
                break;
            case 6 when below.Count + snapshots.Count > 0:
                commands.Execute(new ZfsDestroy(Any([.. below, .. snapshots]), Recursive: random.Next(2) == 0));
                break;
            case 7:
                var name = Any([.. fileSystems, .. snapshots]);
                if (random.Next(3) == 0) commands.Execute(new ZfsInherit(name, $"org.test:p{random.Next(3)}"));
                else commands.Execute(new ZfsSet(name, $"org.test:p{random.Next(3)}", $"v{step}"));
                break;
            case 8:
                commands.Execute(random.Next(2) == 0 ? new ZfsMount(Any(fileSystems)) : new ZfsUnmount(Any(fileSystems)));
                break;
            case 9:
            case 10:
                var file = $"{Any(mounted)}/f{random.Next(4)}".Replace("//", "/", StringComparison.Ordinal);
                if (random.Next(4) == 0) parts.Tree.Delete(P(file), file, tree: false);
                else parts.Tree.WriteFile(P(file), file, [.. Enumerable.Range(0, random.Next(200)).Select(i => (byte)(i + step))], append: random.Next(2) == 0);
                break;
            case 11 when parts.Mounts.Binds.FirstOrDefault() is { } bind && random.Next(2) == 0:
                parts.Mounts.Remove(bind);
                break;
            case 11:
                var source = parts.Mounts.Entries.Where(m => !m.IsBind).Select(m => m.Dataset).FirstOrDefault();
                parts.Tree.EnsureDirectory(P($"/binds/b{step}"));
                parts.Mounts.Add(Bind($"/binds/b{step}", source, [], readOnly: random.Next(2) == 0));
                break;
            case 12:
                commands.Execute(new ZpoolSetBootfs("tank", Any(fileSystems)));
                break;
        }
    }

    /// <summary>The parts written as a fresh base, its generation left out and properties in name order: equal for equal hosts.</summary>
    private static string Canonical(SimParts parts, TempStateFile state)
    {
        var file = Path.Combine(Path.GetDirectoryName(state.Path)!, "canonical.json");
        new StateStore(file).Write(parts.Datasets, parts.Mounts, parts.Trees);
        var written = JsonSerializer.Deserialize(File.ReadAllText(file), StateFileJson.Default.StateFile)!;
        written.Generation = null;
        foreach (var ds in written.Datasets)
            ds.Properties = ds.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary();
        return JsonSerializer.Serialize(written, StateFileJson.Default.StateFile);
    }

    private static string Generation(string stateFile) =>
        JsonDocument.Parse(File.ReadAllBytes(stateFile)).RootElement.GetProperty("generation").GetString()!;

    private static async Task AssertSameHostAsync(SimulatedZfs expected, SimulatedZfs actual)
    {
        var (before, after) = (await expected.ListAsync(Pool, Ct), await actual.ListAsync(Pool, Ct));
        Assert.Equal(before.Pool, after.Pool);
        Assert.Equal(before.Datasets, after.Datasets);
        Assert.Equal(await expected.ListAsync(Ct), await actual.ListAsync(Ct));
        Assert.Equal(Walk(expected, "/"), Walk(actual, "/"));
    }

    /// <summary>Every path below <paramref name="directory"/> as the host shows it: what it is, its owner, mode, identity and content.</summary>
    private static List<string> Walk(SimulatedZfs host, string directory)
    {
        var found = new List<string>();
        foreach (var name in host.List(directory))
        {
            var path = directory == "/" ? "/" + name : $"{directory}/{name}";
            var stat = host.Stat(path)!;
            found.Add($"{path} {stat} " + stat.Kind switch
            {
                FileKind.File => Convert.ToHexString(host.ReadAllBytes(path)),
                FileKind.Symlink => host.ReadLink(path),
                _ => "",
            });
            if (stat.Kind == FileKind.Directory) found.AddRange(Walk(host, path));
        }
        return found;
    }

    /// <summary>A base holding the pool "tank", then a journal of two records: "tank/b" made, then "tank/c".</summary>
    private static void BaseAndTwoRecords(TempStateFile state)
    {
        var parts = new SimParts();
        var store = new StateStore(state.Path);
        store.Write(parts.Datasets, parts.Mounts, parts.Trees);
        parts.FileSystem("tank/b");
        store.Write(parts.Datasets, parts.Mounts, parts.Trees);
        parts.FileSystem("tank/c");
        store.Write(parts.Datasets, parts.Mounts, parts.Trees);
    }
}
