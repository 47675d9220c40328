using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using SnapUpgrade.Core.Zfs;
using SnapUpgrade.Tests.Api.Hosts;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 14 point 5 with a real kill: the built console runs as its own process over a zfs-fuse lab pool and
/// is killed with SIGKILL (its whole process tree, the package command too) while an upgrade's command runs
/// in the staged alternate root, then started again. What it left is read from the pool, the mount table and
/// the files themselves: after the restart the BE is marked failed, nothing of the staging is mounted,
/// nothing reached the shared data, activation is refused, and the system's finish is audited. Stopped with
/// SIGTERM instead, the console stops the command and finishes the BE failed itself, before it exits.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class UpgradeKillNineTests : IAsyncLifetime
{
    private BootedZfsFuseLab? _lab;
    private ConsoleProcess? _console;
    private LabLook _look = null!;
    private string? _tool;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _lab = await BootedZfsFuseLab.CreateIfInstalledAsync();
        if (_lab is null) return;
        _look = new LabLook(_lab.Host);
        // The host's package tool (allowed by name, as a host adds its own): it writes into the staged log, then works on
        // (as a shell whose command line names the root: one that outlived the kill would be found).
        _tool = Path.Combine(Directory.CreateTempSubdirectory("snapupgrade-killtool-").FullName, "test-pkg");
        await File.WriteAllTextAsync(_tool, "#!/bin/sh\necho 'Unpacking hello (2.0) ...'\necho upgraded >> \"$2/var/log/dpkg.log\"\n" +
            "echo 'Setting up hello (2.0) ...'\nwhile :; do sleep 1; done\n", Ct);
        File.SetUnixFileMode(_tool, (UnixFileMode)0b111_101_101);
        var settings = new Dictionary<string, string?>(_lab.ConsoleSettings)
        {
            ["SnapUpgrade:Upgrade:Command:0"] = _tool, ["SnapUpgrade:Upgrade:Command:1"] = "--root", ["SnapUpgrade:Upgrade:Command:2"] = "{root}",
            ["SnapUpgrade:Upgrade:AllowedPrograms:0"] = "test-pkg", ["SnapUpgrade:Upgrade:StagingMiB"] = "16",
        };
        _console = await ConsoleProcess.StartAsync(settings);
    }

    public async ValueTask DisposeAsync()
    {
        if (_console is not null) await _console.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
        if (_tool is not null) Directory.Delete(Path.GetDirectoryName(_tool)!, recursive: true);
    }

    [Fact]
    public async Task Upgrade_KilledWhileItsCommandRuns_AfterTheRestartTheBeIsFailedAndNothingIsMounted()
    {
        var (server, shared, mounts, id) = await StartedAsync();
        Assert.NotEqual(mounts, _look.Mounts()); // staged: the BE, its proc, dev and pts, the tmpfs, the overlays, the base

        await server.KillAsync();
        await _look.AssertNoProcessLeftAsync("after the kill");
        await server.StartAsync();

        var be2 = await server.GetJsonAsync("api/v1/bes/be2");
        Assert.Equal(("failed", JsonValueKind.Null), (be2.GetProperty("upgrade").GetString(), be2.GetProperty("mountedAt").ValueKind));
        LabLook.Same(mounts, _look.Mounts(), "the mounts", "after the restart");
        LabLook.Same(shared, LabLook.Tree(_look.Local("/var/shared")), "/var/shared", "after the restart");
        Assert.Empty(_look.PrivateMounts());
        using var activate = await server.PostAsync("api/v1/bes/be2/activate", new { });
        Assert.Equal("UpgradeNotFinished", (await activate.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("code").GetString());
        var finished = Assert.Single(await server.AuditAsync("finish-upgrade", "be2"));
        Assert.Equal(("system", "succeeded"), (finished.GetProperty("actor").GetString(), finished.GetProperty("outcome").GetString()));
        // The run was the killed engine's: the new one does not know it (its audit rows tell what happened).
        using var gone = await server.Client.GetAsync($"api/v1/upgrades/{id}", Ct);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        // Destroyed, nothing of it is left: the BE, its base snapshot.
        using var destroy = await server.Client.DeleteAsync("api/v1/bes/be2", Ct);
        Assert.True(destroy.IsSuccessStatusCode, await destroy.Content.ReadAsStringAsync(Ct));
        Assert.DoesNotContain("upgrade-be2", await _look.PoolAsync());
    }

    [Fact]
    public async Task Upgrade_ConsoleStoppedWhileItsCommandRuns_StopsTheCommandAndLeavesTheBeFailedUnmountedBeforeItExits()
    {
        var (server, shared, mounts, _) = await StartedAsync();

        await server.StopAsync(TimeSpan.FromSeconds(60));

        // Before any restart: the stop itself stopped the command, took the staging off and left nothing to recover.
        await _look.AssertNoProcessLeftAsync("after the stop");
        LabLook.Same(mounts, _look.Mounts(), "the mounts", "after the stop");
        LabLook.Same(shared, LabLook.Tree(_look.Local("/var/shared")), "/var/shared", "after the stop");
        Assert.Empty(_look.PrivateMounts());
        Assert.Equal("failed", await LabLook.PropertyAsync($"{_lab!.Host.Pool}/ROOT/be2", UserProperties.Upgrade));

        await server.StartAsync();
        var be2 = await server.GetJsonAsync("api/v1/bes/be2");
        Assert.Equal(("failed", JsonValueKind.Null), (be2.GetProperty("upgrade").GetString(), be2.GetProperty("mountedAt").ValueKind));
        var cancelled = Assert.Single(await server.AuditAsync("cancel-upgrade", "be2"));
        Assert.Equal(("system", "succeeded"), (cancelled.GetProperty("actor").GetString(), cancelled.GetProperty("outcome").GetString()));
        Assert.Equal("failed", Assert.Single(await server.AuditAsync("upgrade", "be2")).GetProperty("outcome").GetString());
        // Finished by the run itself, as the one who started it: the next start had nothing to finish.
        var finished = Assert.Single(await server.AuditAsync("finish-upgrade", "be2"));
        Assert.Equal(("kill", "succeeded"), (finished.GetProperty("actor").GetString(), finished.GetProperty("outcome").GetString()));
    }

    /// <summary>The shared data and the mounts as they were, then an upgrade into be2 started and at its command's third line.</summary>
    private async Task<(ConsoleProcess Server, string Shared, string Mounts, string Id)> StartedAsync()
    {
        Lane.RequireZfsFuse();
        var server = _console!;
        var shared = LabLook.Tree(_look.Local("/var/shared"));
        var mounts = _look.Mounts();
        using var started = await server.PostAsync("api/v1/upgrades", new { name = "be2" });
        Assert.True(started.StatusCode == HttpStatusCode.Accepted, $"{(int)started.StatusCode} {await started.Content.ReadAsStringAsync(Ct)}\n{server.Output}");
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
        var running = await WaitAsync(server, id, r => r.GetProperty("lines").GetInt64() >= 3);
        Assert.Equal("running the package command", running.GetProperty("step").GetString());
        return (server, shared, mounts, id);
    }

    private static async Task<JsonElement> WaitAsync(ConsoleProcess server, string id, Func<JsonElement, bool> until)
    {
        for (var i = 0; i < 600; i++)
        {
            var run = await server.GetJsonAsync($"api/v1/upgrades/{id}");
            if (until(run)) return run;
            Assert.True(run.GetProperty("state").GetString() == "Running", $"{run}\n{server.Output}");
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException($"upgrade {id} did not get there in 60 s\n{server.Output}");
    }
}
