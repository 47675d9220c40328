using System.Text.Json;
using Xunit;

namespace SnapUpgrade.Tests.Api.Packaging;

/// <summary>
/// The README's install, on a Debian machine whose PID 1 is systemd (a container, <see cref="BootedDebian"/>):
/// <c>apt install</c> of the built package, the env file, <c>systemctl enable --now</c> of both units, the
/// admin command as the web's user, then the API. What systemd itself does with the units (runtime and state
/// directories, users, capabilities, the sandbox) is only seen this way: <c>systemd-analyze verify</c> and
/// the setpriv split tests cannot show it. Once on the simulated host, once on zfs-fuse inside the container.
/// </summary>
[Collection(BuiltPackage.Collection)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InstalledServiceTests(BuiltPackage package)
{
    private const string Web = "http://127.0.0.1:8080/";

    [Fact]
    public async Task Readme_InstallEnableStart_OnSystemd_ServesTheApiWithTheWebUnprivilegedAndTheEngineTheOnlyRootProcess()
    {
        await using var host = await BootedDebian.BootAsync();
        // The admin's edit: the simulated host with the engine's real default DataDir.
        var token = await InstallAndStartAsync(host, "SnapUpgrade__Backend=simulated", "SnapUpgrade__DataDir=/var/adm/snapupgrade");

        foreach (var row in (await ReadmeInstallTable.RowsAsync()).Where(r => !r.ByPackage && !r.MadeBy.Contains("first mount", StringComparison.Ordinal)))
            Assert.Equal($"{row.Owner} {row.Mode.TrimStart('0')}", (await host.MustAsync("stat", "-c", "%U:%G %a", row.Path)).Trim());
        await AssertProcessesAsync(host);

        var created = await ApiAsync(host, token, "POST", "api/v1/bes", """{"name":"be9"}""");
        Assert.True(created.GetProperty("succeeded").GetBoolean(), created.ToString());
        var bes = await ApiAsync(host, token, "GET", "api/v1/bes");
        Assert.Contains(bes.EnumerateArray(), be => be.GetProperty("name").GetString() == "be9");
        var audit = await ApiAsync(host, token, "GET", "api/v1/audit?action=create");
        Assert.Contains(audit.GetProperty("entries").EnumerateArray(), e => e.GetProperty("target").GetString() == "be9"
            && e.GetProperty("actor").GetString()!.Contains("installed", StringComparison.Ordinal));

        // The socket's mode lets the group in and keeps everyone else out (curl: 7, could not connect).
        string[] ask = ["curl", "-sS", "--unix-socket", "/run/snapupgrade/engine.sock", "-H", $"SnapUpgrade-Protocol: {SnapUpgrade.Infra.Remote.EngineProtocol.Version}", "http://engine/v1/capabilities"];
        var member = await host.RunAsync(["runuser", "-u", "snapupgrade", "--", .. ask]);
        Assert.True(member.Exit == 0 && member.Output.Contains("\"backend\":\"simulated\"", StringComparison.Ordinal), member.Output);
        var outsider = await host.RunAsync(["runuser", "-u", "nobody", "--", .. ask]);
        Assert.True(outsider.Exit == 7, $"nobody reached the engine (curl exit {outsider.Exit}):\n{outsider.Output}");
        Assert.NotEqual(0, (await host.RunAsync("runuser", "-u", "nobody", "--", "test", "-w", "/run/snapupgrade/engine.sock")).Exit);

        // README: removing the package stops and disables both; the audit log and the accounts stay.
        await host.MustAsync("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "remove", "-y", "-q", "snapupgrade");
        foreach (var unit in new[] { "snapupgrade-engine", "snapupgrade-web" })
            Assert.NotEqual("active", (await host.RunAsync("systemctl", "is-active", unit)).Output.Trim());
        Assert.True(File.Exists(Path.Join(host.Root, "/var/adm/snapupgrade/snapupgrade.db")), "the audit log went with the package");
        Assert.True(File.Exists(Path.Join(host.Root, "/var/lib/snapupgrade-web/snapupgrade.db")), "the accounts went with the package");
    }

    /// <summary>
    /// The same install on a container with real ZFS (zfs-fuse inside it, a pool laid out as a host's: ROOT/be1
    /// booted at the host root): the engine unit, sandbox and capability bound as shipped, does create, activate,
    /// mount (in its 0700 mount directory), unmount and destroy on the pool, asked through the web's API.
    /// </summary>
    [Fact]
    public async Task Readme_InstallEnableStart_OnSystemdWithZfs_RunsTheBeLifecycleOnThePoolThroughTheSocket()
    {
        await using var host = await BootedDebian.BootAsync(withZfsFuse: true);
        await LayOutPoolAsync(host);
        var token = await InstallAndStartAsync(host, "SnapUpgrade__Pool=rpool", "SnapUpgrade__HostRoot=/srv/host");
        await AssertProcessesAsync(host);

        foreach (var (method, path, body) in new[]
        {
            ("POST", "api/v1/bes", """{"name":"be2"}"""), ("POST", "api/v1/bes/be2/activate", null), ("POST", "api/v1/bes/be2/mount", "{}"),
        })
        {
            var result = await ApiAsync(host, token, method, path, body);
            Assert.True(result.GetProperty("succeeded").GetBoolean(), result.ToString());
        }
        Assert.Matches(@"rpool\s+bootfs\s+rpool/ROOT/be2\s", await host.MustAsync("zpool", "get", "bootfs", "rpool")); // zfs-fuse's zpool get has no -H
        var mountpoint = (await host.MustAsync("zfs", "get", "-H", "-o", "value", "mountpoint", "rpool/ROOT/be2")).Trim();
        Assert.StartsWith("/srv/host/run/snapupgrade/mounts/be-be2.", mountpoint, StringComparison.Ordinal);
        // README table: the engine's mount directory (under the host root, here /srv/host; / on a host)
        Assert.Equal("root:root 700", (await host.MustAsync("stat", "-c", "%U:%G %a", "/srv/host/run/snapupgrade/mounts")).Trim());

        foreach (var (method, path) in new[] { ("POST", "api/v1/bes/be2/unmount"), ("POST", "api/v1/bes/be1/activate"), ("DELETE", "api/v1/bes/be2") })
        {
            var result = await ApiAsync(host, token, method, path);
            Assert.True(result.GetProperty("succeeded").GetBoolean(), result.ToString());
        }
        Assert.Equal("rpool/ROOT\nrpool/ROOT/be1", (await host.MustAsync("zfs", "list", "-H", "-o", "name", "-r", "rpool/ROOT")).Trim());
    }

    /// <summary>
    /// Issue 14 as installed (ADR 0026, addendum): the engine's sandbox (no AF_INET, no CAP_SETUID, NoNewPrivileges)
    /// is what a package command inherits as the engine's child (<c>Upgrade:RunAs=process</c>, set here in the env
    /// file); as the shipped unit runs it (<c>unit</c>, a transient systemd service) it reaches the network and drops
    /// to <c>_apt</c>. The "package tool" is a probe on the allow-list that reports those facts about itself, run
    /// on the host with <c>{root}</c> as an argument (the BE is an empty dataset here: nothing to chroot into). Also
    /// through the unit: a failing tool's exit code comes back; a cancel, the time limit and a kill -9 of the engine
    /// leave no unit; and with no engine left at all, systemd ends the unit at its RuntimeMaxSec (the backstop).
    /// </summary>
    [Fact]
    public async Task Upgrade_AsTheInstalledEngineRunsIt_RunsTheCommandOutsideTheEngineSandboxAndLeavesNoUnitBehind()
    {
        await using var host = await BootedDebian.BootAsync(withZfsFuse: true);
        await LayOutPoolAsync(host);
        await host.MustAsync("zfs", "create", "-o", "mountpoint=/var/shared", "rpool/VARSHARED");
        foreach (var dir in new[] { "adm", "log", "mail", "spool" }) await host.MustAsync("mkdir", "-p", $"/srv/host/var/shared/{dir}");
        var probe = Path.Join(host.Root, "/usr/local/bin/probe-pkg");
        await File.WriteAllTextAsync(probe, """
            #!/bin/bash
            # An upgrade's "package tool" that says what it may do: its own status, an AF_INET connect, a switch to _apt.
            echo "root: $1"
            grep -E '^(NoNewPrivs|CapEff):' /proc/self/status
            if true <>/dev/tcp/127.0.0.1/8080; then echo "inet: connected"; else echo "inet: refused"; fi
            setpriv --reuid=_apt --regid=nogroup --clear-groups id -un || echo "setuid: refused"
            if [ -e /etc/probe-hang ]; then echo hanging; sleep 600; fi
            exit "$(cat /etc/probe-exit 2>/dev/null || echo 0)"
            """ + "\n", TestContext.Current.CancellationToken);
        File.SetUnixFileMode(probe, (UnixFileMode)0b111_101_101);
        var token = await InstallAndStartAsync(host, "SnapUpgrade__Pool=rpool", "SnapUpgrade__HostRoot=/srv/host",
            "SnapUpgrade__Upgrade__Command__0=probe-pkg", "SnapUpgrade__Upgrade__Command__1={root}", "SnapUpgrade__Upgrade__AllowedPrograms__0=probe-pkg",
            "SnapUpgrade__Upgrade__TimeoutMinutes=0.25", "SnapUpgrade__Upgrade__RunAs=process");

        // As the engine's child: its sandbox.
        var (child, childOutput) = await UpgradeAsync(host, token, "up-child");
        Assert.True(child.GetProperty("state").GetString() == "Staged", $"{child}\n{childOutput}");
        Assert.Matches(@"NoNewPrivs:\s+1\n", childOutput);
        Assert.Contains("inet: refused", childOutput, StringComparison.Ordinal);
        Assert.Contains("setuid: refused", childOutput, StringComparison.Ordinal);

        // The env file without the admin's override: the shipped unit's RunAs=unit.
        var env = Path.Join(host.Root, "/etc/snapupgrade/snapupgrade.env");
        await File.WriteAllLinesAsync(env, (await File.ReadAllLinesAsync(env, TestContext.Current.CancellationToken))
            .Where(l => !l.StartsWith("SnapUpgrade__Upgrade__RunAs=", StringComparison.Ordinal)), TestContext.Current.CancellationToken);
        await host.MustAsync("systemctl", "restart", "snapupgrade-engine");
        await UntilAnsweredAsync(host, token);

        // The dry run shows what will run: the systemd-run of the BE's own unit, the tool inside it.
        var plan = (await ApiAsync(host, token, "POST", "api/v1/upgrades?dryRun=true", """{"name":"up-unit"}""")).ToString();
        Assert.Contains("\"systemd-run\",\"--wait\",\"--pipe\"", plan, StringComparison.Ordinal);
        Assert.Contains("\"--unit=snapupgrade-upgrade-rpool:up-unit.service\"", plan, StringComparison.Ordinal);
        Assert.Contains("\"--\",\"/usr/local/bin/probe-pkg\",\"/srv/host/run/snapupgrade/mounts/", plan, StringComparison.Ordinal);

        var (unit, unitOutput) = await UpgradeAsync(host, token, "up-unit");
        Assert.True(unit.GetProperty("state").GetString() == "Staged", $"{unit}\n{unitOutput}");
        Assert.Contains("$ systemd-run --wait --pipe", unitOutput, StringComparison.Ordinal); // the run's first line: what it runs
        Assert.Contains("root: /srv/host/run/snapupgrade/mounts/", unitOutput, StringComparison.Ordinal);
        Assert.Matches(@"NoNewPrivs:\s+0\n", unitOutput);
        Assert.Contains("inet: connected", unitOutput, StringComparison.Ordinal);
        Assert.Matches("(?m)^_apt$", unitOutput);
        Assert.Equal("", await UpgradeUnitsAsync(host));

        // The tool's own failure comes back as its exit code, through systemd-run.
        await host.MustAsync("sh", "-c", "echo 7 > /etc/probe-exit");
        var (failed, failedOutput) = await UpgradeAsync(host, token, "up-exit");
        Assert.True(failed.GetProperty("state").GetString() == "Failed", $"{failed}\n{failedOutput}");
        Assert.Equal("Exited", failed.GetProperty("ran").GetProperty("end").GetString());
        Assert.Equal(7, failed.GetProperty("ran").GetProperty("exitCode").GetInt32());
        await host.MustAsync("rm", "/etc/probe-exit");

        // Cancelled: systemctl stop of its unit, nothing of it left.
        await host.MustAsync("touch", "/etc/probe-hang");
        var cancelled = (await ApiAsync(host, token, "POST", "api/v1/upgrades", """{"name":"up-cancel"}""")).GetProperty("id").GetString()!;
        var running = await UntilUpgradeUnitAsync(host);
        await host.MustAsync("curl", "-sS", "--fail-with-body", "-X", "POST", "-H", $"Authorization: Bearer {token}", Web + $"api/v1/upgrades/{cancelled}/cancel");
        var (stopped, stoppedOutput) = await EndOfAsync(host, token, cancelled);
        Assert.True(stopped.GetProperty("state").GetString() == "Failed", $"{stopped}\n{stoppedOutput}");
        Assert.Equal("Cancelled", stopped.GetProperty("ran").GetProperty("end").GetString());
        Assert.Equal("", await UpgradeUnitsAsync(host));
        Assert.Equal(1, (await host.RunAsync("pgrep", "-f", "sleep 600")).Exit);

        // At the time limit (15 s): stopped the same way.
        var (late, lateOutput) = await UpgradeAsync(host, token, "up-late");
        Assert.True(late.GetProperty("state").GetString() == "Failed", $"{late}\n{lateOutput}");
        Assert.Equal("TimedOut", late.GetProperty("ran").GetProperty("end").GetString());
        Assert.Contains("hanging", lateOutput, StringComparison.Ordinal);
        Assert.Equal("", await UpgradeUnitsAsync(host));
        Assert.Equal(1, (await host.RunAsync("pgrep", "-f", "sleep 600")).Exit);

        // The engine killed mid-run: the unit is not in the engine's control group and outlives it; the next
        // start stops it before it finishes the BE as failed.
        _ = await ApiAsync(host, token, "POST", "api/v1/upgrades", """{"name":"up-kill"}""");
        var orphan = await UntilUpgradeUnitAsync(host);
        Assert.Equal("snapupgrade-upgrade-rpool:up-kill.service", orphan);
        Assert.NotEqual(running, orphan);
        // Another engine's run on this host (another pool, a BE of the same name): not this engine's to stop.
        const string other = "snapupgrade-upgrade-rpool2:up-kill.service";
        await host.MustAsync("systemd-run", "--quiet", "--collect", $"--unit={other}", "sleep", "900");
        var before = (await host.MustAsync("systemctl", "show", "-P", "MainPID", "snapupgrade-engine")).Trim();
        await host.MustAsync("systemctl", "kill", "--kill-whom=main", "--signal=SIGKILL", "snapupgrade-engine");
        // Restart=on-failure, RestartSec=5s: while no engine runs (MainPID 0), the unit still does; then a new engine.
        var after = before;
        var seenDown = false;
        for (var attempt = 0; attempt < 120 && (after == before || after == "0"); attempt++)
        {
            await Task.Delay(250);
            after = (await host.MustAsync("systemctl", "show", "-P", "MainPID", "snapupgrade-engine")).Trim();
            if (after == "0" && !seenDown)
            {
                seenDown = true;
                Assert.Equal("active", (await host.RunAsync("systemctl", "is-active", orphan)).Output.Trim());
            }
        }
        Assert.True(seenDown && after != before && after != "0", $"the engine did not go down and restart within 30 s (MainPID {after}, down seen: {seenDown})");
        await UntilAnsweredAsync(host, token);
        Assert.Equal(other + "\n", await UpgradeUnitsAsync(host));
        Assert.Equal("active", (await host.RunAsync("systemctl", "is-active", other)).Output.Trim());
        await host.MustAsync("systemctl", "stop", other);
        Assert.Equal(1, (await host.RunAsync("pgrep", "-f", "sleep 600")).Exit);
        Assert.Equal("failed", (await host.MustAsync("zfs", "get", "-H", "-o", "value", "org.snapupgrade:upgrade", "rpool/ROOT/up-kill")).Trim());
        // No start's stop of a leftover failed (the last had up-kill's; the others had none to stop).
        var journal = await host.MustAsync("journalctl", "--no-pager", "-u", "snapupgrade-engine");
        Assert.Equal(3, journal.Split('\n').Count(l => l.Contains("Engine started on", StringComparison.Ordinal)));
        Assert.DoesNotContain("left by a killed engine) failed", journal, StringComparison.Ordinal);

        // No engine at all (killed, then stopped: no restart): the unit's RuntimeMaxSec, the limit and a minute (75 s), ends
        // it by systemd alone. The next start finds nothing to stop and finishes the BE as failed.
        _ = await ApiAsync(host, token, "POST", "api/v1/upgrades", """{"name":"up-alone"}""");
        var alone = await UntilUpgradeUnitAsync(host);
        Assert.Equal("1min 15s", (await host.MustAsync("systemctl", "show", "-P", "RuntimeMaxUSec", alone)).Trim());
        await host.MustAsync("systemctl", "kill", "--kill-whom=main", "--signal=SIGKILL", "snapupgrade-engine");
        await host.MustAsync("systemctl", "stop", "snapupgrade-web", "snapupgrade-engine");
        Assert.Equal("active", (await host.RunAsync("systemctl", "is-active", alone)).Output.Trim());
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var state = "active";
        while (state is "active" or "deactivating" && waited.Elapsed < TimeSpan.FromMinutes(3))
        {
            await Task.Delay(1000);
            state = (await host.RunAsync("systemctl", "is-active", alone)).Output.Trim();
        }
        Assert.True(state is not ("active" or "deactivating"), $"{alone} still {state} 3 minutes after its engine was gone");
        Assert.Equal(1, (await host.RunAsync("pgrep", "-f", "sleep 600")).Exit);
        Assert.Contains("runtime time limit", await host.MustAsync("journalctl", "--no-pager", "-u", alone), StringComparison.Ordinal);
        await host.MustAsync("systemctl", "start", "snapupgrade-engine", "snapupgrade-web");
        await UntilAnsweredAsync(host, token);
        Assert.Equal("failed", (await host.MustAsync("zfs", "get", "-H", "-o", "value", "org.snapupgrade:upgrade", "rpool/ROOT/up-alone")).Trim());
        Assert.Equal("", await UpgradeUnitsAsync(host));
    }

    /// <summary>The pool as the zfs-fuse test lays it out: ROOT/be1 booted at the host root /srv/host.</summary>
    private static async Task LayOutPoolAsync(BootedDebian host)
    {
        await host.MustAsync("truncate", "-s", "512M", "/var/tmp/rpool.img");
        await host.MustAsync("mkdir", "-p", "/srv/host");
        await host.MustAsync("zpool", "create", "-o", "cachefile=none", "-O", "mountpoint=none", "-O", "canmount=off", "-R", "/srv/host",
            "rpool", "/var/tmp/rpool.img");
        await host.MustAsync("zfs", "create", "-o", "canmount=off", "-o", "mountpoint=none", "rpool/ROOT");
        await host.MustAsync("zfs", "create", "-o", "canmount=noauto", "rpool/ROOT/be1");
        await host.MustAsync("zfs", "set", "mountpoint=/", "rpool/ROOT/be1");
        await host.MustAsync("zfs", "mount", "rpool/ROOT/be1");
        await host.MustAsync("zpool", "set", "bootfs=rpool/ROOT/be1", "rpool");
    }

    /// <summary>Starts an upgrade into <paramref name="name"/> and reads it to its end.</summary>
    private static async Task<(JsonElement Run, string Output)> UpgradeAsync(BootedDebian host, string token, string name)
    {
        var started = await ApiAsync(host, token, "POST", "api/v1/upgrades", $$"""{"name":"{{name}}"}""");
        return await EndOfAsync(host, token, started.GetProperty("id").GetString()!);
    }

    /// <summary>The run's output, followed until it ends (the stream closes then), and its final view.</summary>
    private static async Task<(JsonElement Run, string Output)> EndOfAsync(BootedDebian host, string token, string id)
    {
        var output = await host.MustAsync("curl", "-sS", "--fail-with-body", "-N", "-H", $"Authorization: Bearer {token}", Web + $"api/v1/upgrades/{id}/output");
        return (await ApiAsync(host, token, "GET", $"api/v1/upgrades/{id}"), output);
    }

    /// <summary>The upgrade units systemd has loaded (running, failed or stopping), one name a line.</summary>
    private static async Task<string> UpgradeUnitsAsync(BootedDebian host) =>
        (await host.MustAsync("systemctl", "list-units", "--all", "--plain", "--no-legend", "--type=service", "snapupgrade-upgrade-*"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).Aggregate("", (all, unit) => all + unit + "\n");

    /// <summary>Until one upgrade unit is active (the probe says "hanging" in it); its name.</summary>
    private static async Task<string> UntilUpgradeUnitAsync(BootedDebian host)
    {
        var last = "";
        for (var attempt = 0; attempt < 120; attempt++)
        {
            last = (await host.MustAsync("systemctl", "list-units", "--state=active", "--plain", "--no-legend", "--type=service", "snapupgrade-upgrade-*")).Trim();
            if (last.Length > 0 && !last.Contains('\n', StringComparison.Ordinal)) return last.Split(' ')[0];
            await Task.Delay(500);
        }
        Assert.Fail($"no single active upgrade unit within 60 s (last: '{last}'):\n{(await host.RunAsync("journalctl", "--no-pager", "-u", "snapupgrade-engine")).Output}");
        return "";
    }

    /// <summary>Until the web answers the API again with the engine behind it (after the engine's restart).</summary>
    private static async Task UntilAnsweredAsync(BootedDebian host, string token)
    {
        var last = "";
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var answer = await host.RunAsync("curl", "-sS", "--fail-with-body", "-H", $"Authorization: Bearer {token}", Web + "api/v1/upgrades");
            if (answer.Exit == 0) return;
            last = answer.Output;
            await Task.Delay(500);
        }
        Assert.Fail($"the API did not answer within 60 s after the engine's restart (last: {last}):\n{(await host.RunAsync("journalctl", "--no-pager", "-u", "snapupgrade-engine")).Output}");
    }

    /// <summary>README "Install on a host": apt install, the env file's lines, enable --now, then a token by the admin command.</summary>
    private async Task<string> InstallAndStartAsync(BootedDebian host, params string[] settings)
    {
        var deb = Path.Combine("/var/tmp", Path.GetFileName(package.Deb)); // not /tmp: the container's systemd mounts a tmpfs there
        File.Copy(package.Deb, Path.Join(host.Root, deb));
        await host.MustAsync("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", deb);
        Assert.Contains(":/usr/sbin/nologin", await host.MustAsync("getent", "passwd", "snapupgrade"), StringComparison.Ordinal);
        Assert.Equal("inactive", (await host.RunAsync("systemctl", "is-active", "snapupgrade-engine")).Output.Trim()); // starts nothing
        await File.AppendAllTextAsync(Path.Join(host.Root, "/etc/snapupgrade/snapupgrade.env"), string.Join('\n', settings) + "\n",
            TestContext.Current.CancellationToken);

        await host.MustAsync("systemctl", "enable", "--now", "snapupgrade-engine", "snapupgrade-web");
        await UntilHealthyAsync(host);

        // README: the admin command as the web's user (runuser: the container has no sudo).
        return (await host.MustAsync("runuser", "-u", "snapupgrade", "--", "env", "SnapUpgrade__Role=web",
            "SnapUpgrade__DataDir=/var/lib/snapupgrade-web", "snapupgrade", "token", "create", "--role", "admin", "--name", "installed"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Single(l => l.StartsWith("su_", StringComparison.Ordinal));
    }

    /// <summary>Both console processes: the engine root, the web the snapupgrade user with no capability; both NoNewPrivs.</summary>
    private static async Task AssertProcessesAsync(BootedDebian host)
    {
        var uid = (await host.MustAsync("id", "-u", "snapupgrade")).Trim();
        var seen = new List<string>();
        foreach (var pid in (await host.MustAsync("pgrep", "-f", "/usr/lib/snapupgrade/SnapUpgrade.Web")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var status = (await host.MustAsync("cat", $"/proc/{pid}/status")).Split('\n');
            string Field(string name) => status.Single(l => l.StartsWith(name + ":", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1];
            var role = (await host.MustAsync("cat", $"/proc/{pid}/cmdline")).Contains("Role=engine", StringComparison.Ordinal) ? "engine" : "web";
            seen.Add($"{role} uid {Field("Uid")} caps {(Field("CapEff") == "0000000000000000" ? "none" : "some")} nnp {Field("NoNewPrivs")}");
        }
        seen.Sort(StringComparer.Ordinal);
        Assert.Equal(["engine uid 0 caps some nnp 1", $"web uid {uid} caps none nnp 1"], seen);
    }

    private static async Task UntilHealthyAsync(BootedDebian host)
    {
        var last = "";
        for (var attempt = 0; attempt < 120; attempt++)
        {
            last = (await host.RunAsync("curl", "-sS", Web + "healthz")).Output;
            if (last.Trim() == "Healthy") return;
            await Task.Delay(500);
        }
        var journal = (await host.RunAsync("journalctl", "--no-pager", "-u", "snapupgrade-engine", "-u", "snapupgrade-web")).Output;
        Assert.Fail($"/healthz did not say Healthy within 60 s (last: {last}):\n{journal}");
    }

    private static async Task<JsonElement> ApiAsync(BootedDebian host, string token, string method, string path, string? body = null)
    {
        string[] argv = ["curl", "-sS", "--fail-with-body", "-X", method, "-H", $"Authorization: Bearer {token}", .. body is null ? Array.Empty<string>()
            : ["-H", "Content-Type: application/json", "--data", body], Web + path];
        var answer = await host.MustAsync(argv);
        return JsonDocument.Parse(answer).RootElement.Clone();
    }
}
