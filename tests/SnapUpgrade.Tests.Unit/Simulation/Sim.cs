using System.Text;
using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Model;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Infra.Simulation;
using SnapUpgrade.Infra.Sqlite;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Simulation;

/// <summary>Builders for simulator tests: an in-memory host, booted the way the lab bootstraps one.</summary>
internal static class Sim
{
    public const string Pool = "tank";

    public static readonly Layout Layout = new(Pool);

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static SimulatedZfs NewHost(string? stateFile = null, TimeProvider? clock = null)
    {
        var host = new SimulatedZfs(stateFile, clock);
        host.CreatePool(Pool);
        return host;
    }

    /// <summary>tank/ROOT/be1 mounted at "/" (bootfs) and tank/VARSHARED at /var/shared.</summary>
    public static async Task<SimulatedZfs> BootedAsync(string? stateFile = null)
    {
        var host = NewHost(stateFile);
        await LabBootstrap.InitializeAsync(host, host, Pool, "be1", withShared: true, Ct);
        return host;
    }

    /// <summary>The engine on <paramref name="host"/> (its zfs, mounts and files) with a journal in <paramref name="dataDir"/>.</summary>
    public static BeEngine NewEngine(SimulatedZfs host, string dataDir) =>
        new(host, host, host, new SqliteOperationJournal(SqliteDatabase.InDataDir(dataDir)), new EngineOptions { Pool = Pool });

    public static Task RunAsync(this SimulatedZfs host, ZfsCommand command) => host.ExecuteAsync(command, Ct);

    public static async Task<ZfsDataset?> FindAsync(this SimulatedZfs host, string name) =>
        (await host.ListAsync(Pool, Ct)).Find(name);

    /// <summary>A BE cloned the way the console does it: clone noauto, then mountpoint=/.</summary>
    public static async Task<string> CloneBeAsync(this SimulatedZfs host, string snapshot, string name)
    {
        await host.RunAsync(new ZfsClone(snapshot, Layout.Be(name), Props(("canmount", "noauto"))));
        await host.RunAsync(new ZfsSet(Layout.Be(name), "mountpoint", "/"));
        return Layout.Be(name);
    }

    public static IReadOnlyDictionary<string, string> Props(params (string Key, string Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value);

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>A state file in a directory of its own, removed afterwards.</summary>
internal sealed class TempStateFile : IDisposable
{
    private readonly string _directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "snapupgrade-sim-unit", Guid.NewGuid().ToString("N"));

    public string Path => System.IO.Path.Combine(_directory, "state.json");

    public string Journal => StateStore.JournalOf(Path);

    /// <summary>What the host takes on disk: the base and its journal.</summary>
    public long Bytes => new FileInfo(Path).Length + (File.Exists(Journal) ? new FileInfo(Journal).Length : 0);

    public void Dispose()
    {
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
