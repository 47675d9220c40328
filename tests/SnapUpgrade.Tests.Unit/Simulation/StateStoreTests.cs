using SnapUpgrade.Infra.Simulation;
using Xunit;
using static SnapUpgrade.Tests.Unit.Simulation.SimParts;

namespace SnapUpgrade.Tests.Unit.Simulation;

public sealed class StateStoreTests
{
    [Fact]
    public void WriteThenRead_PartsWithASnapshotAndABind_ComeBackEqualAndStillShared()
    {
        using var state = new TempStateFile();
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a", ("org.snapupgrade:keep", "on"));
        parts.MountAt("tank/a", "/a");
        parts.Tree.WriteFile(P("/a/f"), "/a/f", [1, 2], append: false);
        var first = parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, Epoch);
        var child = parts.FileSystem("tank/a/c");
        parts.Datasets.Add("tank/a/c@s", isSnapshot: true, child.Root, Epoch, createTxg: first.CreateTxg); // as a recursive snapshot's
        parts.Mounts.Add(Bind("/lab", "tank/a", [], readOnly: true));
        parts.Datasets.Pools["tank"].Bootfs = "tank/a";

        new StateStore(state.Path).Write(parts.Datasets, parts.Mounts, parts.Trees);
        var back = new SimParts(empty: true);
        new StateStore(state.Path).Read(back.Datasets, back.Mounts, back.Trees);

        Assert.Equal(parts.Datasets.All.Select(d => (d.Name, d.Txg, d.CreateTxg, d.Origin, d.Created)),
            back.Datasets.All.Select(d => (d.Name, d.Txg, d.CreateTxg, d.Origin, d.Created)));
        Assert.Equal(back.Datasets["tank/a@s"].CreateTxg, back.Datasets["tank/a/c@s"].CreateTxg);
        Assert.NotEqual(back.Datasets["tank/a@s"].Txg, back.Datasets["tank/a/c@s"].Txg);
        Assert.Equal("on", back.Datasets["tank/a"].Local["org.snapupgrade:keep"]);
        Assert.Equal("tank/a", back.Datasets.Pools["tank"].Bootfs);
        Assert.Equal(parts.Mounts.Entries, back.Mounts.Entries, (x, y) => x.Target == y.Target && x.Dataset == y.Dataset && x.ReadOnly == y.ReadOnly && x.IsBind == y.IsBind);
        Assert.Same(back.Datasets["tank/a"].Root, back.Datasets["tank/a@s"].Root);
        Assert.Equal([1, 2], Assert.IsType<FileNode>(back.Paths.NodeAt(P("/lab/f"))).Content);
        Assert.Equal(parts.Trees.NextInode, back.Trees.NextInode);
        Assert.Equal(parts.Datasets.Txg, back.Datasets.Txg);
    }

    [Fact]
    public void Read_AFileWrittenBeforeCreateTxgWasKept_GivesEachDatasetItsOwnTxg()
    {
        using var state = new TempStateFile();
        var parts = new SimParts();
        var fs = parts.FileSystem("tank/a");
        parts.Datasets.Add("tank/a@s", isSnapshot: true, fs.Root, Epoch);
        new StateStore(state.Path).Write(parts.Datasets, parts.Mounts, parts.Trees);
        var json = File.ReadAllText(state.Path);
        var older = System.Text.RegularExpressions.Regex.Replace(json, "\"createTxg\":\\d+,?", "");
        Assert.NotEqual(json, older);
        File.WriteAllText(state.Path, older);
        var back = new SimParts(empty: true);

        new StateStore(state.Path).Read(back.Datasets, back.Mounts, back.Trees);

        Assert.All(back.Datasets.All, d => Assert.Equal(d.Txg, d.CreateTxg));
        Assert.Equal(parts.Datasets.All.Select(d => d.CreateTxg), back.Datasets.All.Select(d => d.CreateTxg));
    }

    [Fact]
    public void Read_AnUnknownVersion_IsRefused()
    {
        using var state = new TempStateFile();
        Directory.CreateDirectory(Path.GetDirectoryName(state.Path)!);
        File.WriteAllText(state.Path, """{"version":2,"pools":[],"datasets":[],"mounts":[],"nodes":[]}""");
        var parts = new SimParts(empty: true);

        Assert.Throws<InvalidDataException>(() => new StateStore(state.Path).Read(parts.Datasets, parts.Mounts, parts.Trees));
    }
}
