using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SnapUpgrade.Infra.Remote;
using SnapUpgrade.Infra.Sqlite;
using SnapUpgrade.Tests.Api.Hosts;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>
/// Issue 12, the two processes: the engine as root on its socket, the web as an unprivileged user that
/// reaches the host only through it (ADR 0019). The API's whole flow passes through the socket; the web
/// holds no capability and cannot run zfs; the socket refuses whoever is not root or in its group, and
/// a client of another protocol version.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SplitRoleTests(SplitConsole split) : IClassFixture<SplitConsole>
{
    private async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, "api/v1/" + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var response = await split.Client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}\n{split.Output}");
        return JsonDocument.Parse(text).RootElement;
    }

    private static async Task<string> ZfsListAsync(string pool) =>
        (await SplitConsole.RunAsync("zfs", "list", "-H", "-o", "name", "-r", pool)).EnsureSuccess().StandardOutput;

    [Fact]
    public async Task ApiFlow_ThroughTheSocket_CreatesMountsActivatesZonesSharedDestroys_AuditedByTheEngineOnly()
    {
        SplitConsole.Require();
        var name = "sp" + Guid.NewGuid().ToString("N")[..6];
        var zone = "z" + Guid.NewGuid().ToString("N")[..6];

        var host = await OkAsync(HttpMethod.Get, "host");
        Assert.Equal(split.Pool, host.GetProperty("pool").GetString());
        var booted = host.GetProperty("booted").GetProperty("name").GetString()!;
        await OkAsync(HttpMethod.Post, "bes", new { name, description = "through the socket" });
        Assert.Contains($"{split.Pool}/ROOT/{name}\n", await ZfsListAsync(split.Pool));
        var mounted = await OkAsync(HttpMethod.Post, $"bes/{name}/mount", new { });
        Assert.Equal("succeeded", mounted.GetProperty("outcome").GetString());
        Assert.NotEqual(JsonValueKind.Null, (await OkAsync(HttpMethod.Get, $"bes/{name}")).GetProperty("mountedAt").ValueKind);
        await OkAsync(HttpMethod.Post, $"bes/{name}/unmount");
        Assert.Equal(name, (await OkAsync(HttpMethod.Post, $"bes/{name}/activate", new { })).GetProperty("toBe").GetString());
        Assert.Equal(booted, (await OkAsync(HttpMethod.Post, $"bes/{booted}/activate", new { })).GetProperty("toBe").GetString());
        await OkAsync(HttpMethod.Post, "zones", new { name = zone });
        Assert.Contains(zone, (await OkAsync(HttpMethod.Get, "zones")).ToString());
        await OkAsync(HttpMethod.Delete, $"zones/{zone}");
        var check = await OkAsync(HttpMethod.Post, "shared/check");
        Assert.NotEmpty(check.GetProperty("sharedHealth").GetProperty("entries").EnumerateArray());
        var plan = await OkAsync(HttpMethod.Delete, $"bes/{name}?dryRun=true");
        Assert.True(plan.GetProperty("dryRun").GetBoolean());
        await OkAsync(HttpMethod.Delete, $"bes/{name}");
        Assert.DoesNotContain($"{split.Pool}/ROOT/{name}\n", await ZfsListAsync(split.Pool));

        var rows = (await OkAsync(HttpMethod.Get, $"audit?target={name}&pageSize=20")).GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["destroy:False", "destroy:True", "activate:False", "activate:False", "unmount:False", "mount:False", "create:False"],
            rows.Select(r => $"{r.GetProperty("action").GetString()}:{r.GetProperty("dryRun").GetBoolean()}"));
        Assert.All(rows, r => Assert.Equal(("split", "succeeded"), (r.GetProperty("actor").GetString(), r.GetProperty("outcome").GetString())));
        var csv = await split.Client.GetStringAsync($"api/v1/audit.csv?target={name}", TestContext.Current.CancellationToken);
        Assert.Equal(rows.Count, csv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains(",split,", StringComparison.Ordinal)));
        var verified = await OkAsync(HttpMethod.Get, "audit/verify");
        Assert.True(verified.GetProperty("intact").GetBoolean(), verified.ToString());
        // The engine's database holds the rows (the token's creation by the web's CLI among them); the web's holds none.
        Assert.Equal(rows.Count, AuditRows(split.EngineDataDir, name));
        Assert.Equal(0, AuditRows(split.WebDataDir, null));
        Assert.Equal(1, AuditRows(split.EngineDataDir, "split"));
    }

    private static long AuditRows(string dataDir, string? target)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, SqliteDatabase.DefaultFileName)};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = target is null ? "SELECT count(*) FROM audit_log" : "SELECT count(*) FROM audit_log WHERE $target IN (target, from_be, to_be)";
        command.Parameters.AddWithValue("$target", (object?)target ?? DBNull.Value);
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task WebProcess_RunsUnprivileged_NoCapabilityAndZfsFailsForItsUser()
    {
        SplitConsole.Require();

        var status = File.ReadAllLines($"/proc/{split.Web.Id}/status");
        var zfs = await SplitConsole.RunAsync(SplitConsole.AsUser(split.WebUser, split.Group, "zfs", "list"));
        var rootZfs = await SplitConsole.RunAsync("zfs", "list", split.Pool);

        Assert.Equal("CapEff:\t0000000000000000", status.Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal)));
        Assert.Equal("CapPrm:\t0000000000000000", status.Single(l => l.StartsWith("CapPrm:", StringComparison.Ordinal)));
        Assert.DoesNotContain("\t0\t", status.Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)) + "\t");
        Assert.NotEqual(0, zfs.ExitCode);
        Assert.Equal(0, rootZfs.ExitCode); // the same command as root works: the refusal is the user's
    }

    /// <summary>The engine that ran the flow ran within the engine unit's capability bound, with no new privileges.</summary>
    [Fact]
    public void EngineProcess_RunsWithinTheUnitsCapabilityBound()
    {
        SplitConsole.Require();

        // setpriv execs the app in place: the engine's pid is the started process's.
        var status = File.ReadAllLines($"/proc/{split.Engine.Id}/status");
        var bound = Convert.ToUInt64(status.Single(l => l.StartsWith("CapBnd:", StringComparison.Ordinal))["CapBnd:".Length..].Trim(), 16);
        var held = Enumerable.Range(0, 64).Where(bit => (bound & (1UL << bit)) != 0).Select(bit => "CAP_" + CapabilityNames[bit].ToUpperInvariant());

        Assert.Equal(SplitConsole.EngineCapabilities().Order(), held.Order());
        Assert.Equal("NoNewPrivs:\t1", status.Single(l => l.StartsWith("NoNewPrivs:", StringComparison.Ordinal)));
    }

    /// <summary>The kernel's capability numbers (linux/capability.h): the name of bit n is entry n.</summary>
    private static readonly string[] CapabilityNames =
    [
        "chown", "dac_override", "dac_read_search", "fowner", "fsetid", "kill", "setgid", "setuid", "setpcap", "linux_immutable",
        "net_bind_service", "net_broadcast", "net_admin", "net_raw", "ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
        "sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice", "sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
        "audit_write", "audit_control", "setfcap", "mac_override", "mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
        "perfmon", "bpf", "checkpoint_restore",
    ];

    [Fact]
    public async Task Socket_IsRootsAndTheGroups0660_AndAUserOutsideTheGroupIsRefused()
    {
        SplitConsole.Require();
        string[] Curl(params string[] extra) =>
            ["curl", "--silent", "--show-error", "--unix-socket", split.Socket, "-H", $"{EngineProtocol.Header}: {EngineProtocol.Version}", .. extra,
             "-w", "\n%{http_code}", "http://engine/" + EngineProtocol.Capabilities];

        var outsider = await SplitConsole.RunAsync(SplitConsole.AsUser(split.Outsider, split.Outsider, Curl()));
        var member = await SplitConsole.RunAsync(SplitConsole.AsUser(split.WebUser, split.Group, Curl()));
        // With the directory and the file opened to everyone, the engine's own check (SO_PEERCRED) still refuses the outsider.
        var directory = Path.GetDirectoryName(split.Socket)!;
        var directoryMode = File.GetUnixFileMode(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(split.Socket, (UnixFileMode)0b110_110_110);
        ProcessResultPair peerChecked;
        try
        {
            peerChecked = new(await SplitConsole.RunAsync(SplitConsole.AsUser(split.Outsider, split.Outsider, Curl())),
                await SplitConsole.RunAsync(SplitConsole.AsUser(split.WebUser, split.Group, Curl())));
        }
        finally
        {
            File.SetUnixFileMode(split.Socket, EngineSocketFile.Mode);
            File.SetUnixFileMode(directory, directoryMode);
        }

        Assert.Equal(EngineSocketFile.Mode, File.GetUnixFileMode(split.Socket));
        Assert.Equal(7, outsider.ExitCode); // curl: could not connect (EACCES: the run directory and the socket are the group's)
        Assert.EndsWith("\n200", member.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("\n403", peerChecked.Outsider.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("only root and members of the socket group", peerChecked.Outsider.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("\n200", peerChecked.Member.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Engine socket: refused uid", split.Output, StringComparison.Ordinal);
    }

    private sealed record ProcessResultPair(Infra.Processes.ProcessResult Outsider, Infra.Processes.ProcessResult Member);

    [Fact]
    public async Task Socket_ClientOfAnotherProtocol_IsRefusedNamingBothVersions()
    {
        SplitConsole.Require();

        var newer = await SplitConsole.RunAsync("curl", "--silent", "--unix-socket", split.Socket, "-H", $"{EngineProtocol.Header}: {EngineProtocol.Version + 1}",
            "-w", "\n%{http_code}", "http://engine/" + EngineProtocol.Capabilities);
        var none = await SplitConsole.RunAsync("curl", "--silent", "--unix-socket", split.Socket,
            "-w", "\n%{http_code}", "http://engine/" + EngineProtocol.Capabilities);

        Assert.EndsWith("\n400", newer.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"The engine speaks protocol {EngineProtocol.Version}, this web speaks {EngineProtocol.Version + 1}: upgrade both packages",
            newer.StandardOutput, StringComparison.Ordinal);
        Assert.EndsWith("\n400", none.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("this web speaks none", none.StandardOutput, StringComparison.Ordinal);
    }
}
