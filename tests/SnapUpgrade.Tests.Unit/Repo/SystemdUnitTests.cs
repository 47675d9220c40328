using System.Text.RegularExpressions;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Repo;

/// <summary>
/// The two units in infra/install, read by systemd's own tools: <c>systemd-analyze verify</c> in a scratch
/// root (the units where the package puts them, an executable at ExecStart's path, the host's targets),
/// and <c>systemd-analyze security --offline</c> for their exposure (ADR 0020).
/// </summary>
public sealed partial class SystemdUnitTests : IDisposable
{
    static readonly string[] Units = ["snapupgrade-engine.service", "snapupgrade-web.service"];
    static readonly string[] GoodLevels = ["PERFECT", "SAFE", "OK"];

    readonly string _root = Directory.CreateTempSubdirectory("snapupgrade-units-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static string Install => Path.Combine(RepoRoot.Find(), "infra", "install");

    [Fact]
    public async Task Units_InAScratchRoot_VerifyWithoutAWord()
    {
        var analyze = RequiredTool.Require("systemd-analyze", "apt-get install systemd");
        var unitDir = PrepareRoot();

        var (exit, output) = await ToolRun.RunAsync(analyze, null, ["verify", $"--root={_root}", "--man=no", .. Units.Select(u => $"/lib/systemd/system/{u}")]);

        Assert.True(exit == 0 && output.Length == 0, $"systemd-analyze verify (exit {exit}):\n{output}");
        Assert.True(File.Exists(Path.Combine(unitDir, Units[0])));
    }

    [Fact]
    public async Task Verify_AMisspeltKey_IsReported()
    {
        var analyze = RequiredTool.Require("systemd-analyze", "apt-get install systemd");
        var unitDir = PrepareRoot();
        var text = await File.ReadAllTextAsync(Path.Combine(Install, Units[1]), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(unitDir, "misspelt.service"),
            text.Replace("RestrictRealtime=", "RestrictRealtme=", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var (_, output) = await ToolRun.RunAsync(analyze, null, ["verify", $"--root={_root}", "--man=no", "/lib/systemd/system/misspelt.service"]);

        Assert.Contains("RestrictRealtme", output);
    }

    [Theory]
    [InlineData("snapupgrade-web.service")]
    [InlineData("snapupgrade-engine.service")]
    public async Task Security_Offline_ScoresOkOrBetter(string unit)
    {
        var analyze = RequiredTool.Require("systemd-analyze", "apt-get install systemd");
        var unitDir = PrepareRoot();

        var (exit, output) = await ToolRun.RunAsync(analyze, null, ["security", "--offline=true", $"--root={_root}", "--no-pager", Path.Combine(unitDir, unit)]);

        var overall = OverallExposure().Match(output);
        Assert.True(exit == 0 && overall.Success, $"systemd-analyze security (exit {exit}):\n{output}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{unit}: {overall.Groups["score"].Value} {overall.Groups["level"].Value}");
        Assert.Contains(overall.Groups["level"].Value, GoodLevels);
    }

    [Fact]
    public async Task EngineUnit_HasNoMountNamespace_SoItsMountsAreTheHosts()
    {
        // Each of these gives the service a mount namespace whose mounts do not propagate to the host (ADR 0020).
        string[] namespacing = ["ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateDevices", "PrivateMounts", "ReadWritePaths",
            "ReadOnlyPaths", "InaccessiblePaths", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs",
            "ProtectControlGroups", "ProtectProc", "ProcSubset", "ProtectHostname", "PrivateIPC", "TemporaryFileSystem", "BindPaths", "MountFlags", "RootDirectory"];

        var keys = await KeysAsync("snapupgrade-engine.service");

        Assert.Empty(keys.Intersect(namespacing));
        Assert.Contains("CapabilityBoundingSet", keys);
    }

    /// <summary>
    /// The engine keeps set-id bits when it copies (RestrictSUIDSGID would make the kernel refuse them) and
    /// its data on the console's default DataDir, on the shared dataset (not a per-BE /var/lib).
    /// </summary>
    [Fact]
    public async Task EngineUnit_KeepsSetIdBitsAndTheSharedDataDir()
    {
        var keys = await KeysAsync("snapupgrade-engine.service");
        var lines = await File.ReadAllLinesAsync(Path.Combine(Install, "snapupgrade-engine.service"), TestContext.Current.CancellationToken);

        Assert.DoesNotContain("RestrictSUIDSGID", keys);
        Assert.DoesNotContain("StateDirectory", keys);
        Assert.DoesNotContain(lines, l => l.Contains("SnapUpgrade__DataDir", StringComparison.Ordinal) && !l.StartsWith('#'));
    }

    [Fact]
    public async Task Units_RunTheOneAppInTheirRoles_WebAfterTheEngine()
    {
        var engine = await File.ReadAllLinesAsync(Path.Combine(Install, "snapupgrade-engine.service"), TestContext.Current.CancellationToken);
        var web = await File.ReadAllLinesAsync(Path.Combine(Install, "snapupgrade-web.service"), TestContext.Current.CancellationToken);

        Assert.Contains("ExecStart=/usr/lib/snapupgrade/SnapUpgrade.Web --SnapUpgrade:Role=engine", engine);
        Assert.Contains("RuntimeDirectory=snapupgrade", engine);
        Assert.Contains("RuntimeDirectoryMode=0755", engine);
        Assert.Contains("ExecStart=/usr/lib/snapupgrade/SnapUpgrade.Web --SnapUpgrade:Role=web --SnapUpgrade:DataDir=/var/lib/snapupgrade-web", web);
        Assert.Contains("User=snapupgrade", web);
        Assert.Contains("CapabilityBoundingSet=", web);
        Assert.Contains("Requires=snapupgrade-engine.service", web);
        Assert.Contains(web, l => l.StartsWith("After=snapupgrade-engine.service", StringComparison.Ordinal));
        Assert.Contains("Environment=ASPNETCORE_URLS=http://127.0.0.1:8080", web);
        Assert.All([engine, web], unit => Assert.Contains("EnvironmentFile=-/etc/snapupgrade/snapupgrade.env", unit));
    }

    /// <summary>The units at their installed path, an executable at ExecStart's and the host's targets.</summary>
    string PrepareRoot()
    {
        var unitDir = Directory.CreateDirectory(Path.Combine(_root, "lib", "systemd", "system")).FullName;
        foreach (var unit in Units)
            File.Copy(Path.Combine(Install, unit), Path.Combine(unitDir, unit), overwrite: true);
        foreach (var target in Directory.EnumerateFiles("/lib/systemd/system", "*.target"))
            File.Copy(target, Path.Combine(unitDir, Path.GetFileName(target)), overwrite: true);
        // Any executable will do: verify checks that ExecStart's program is there and runnable, not what it is.
        CopyExecutable("/bin/true", "usr/lib/snapupgrade/SnapUpgrade.Web");
        return unitDir;
    }

    void CopyExecutable(string from, string relative)
    {
        var to = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }

    static async Task<HashSet<string>> KeysAsync(string unit) =>
        [.. (await File.ReadAllLinesAsync(Path.Combine(Install, unit), TestContext.Current.CancellationToken))
            .Where(l => l.Contains('=', StringComparison.Ordinal) && !l.StartsWith('#'))
            .Select(l => l.Split('=', 2)[0].Trim())];

    [GeneratedRegex(@"Overall exposure level for \S+: (?<score>[0-9.]+) (?<level>[A-Z]+)")]
    private static partial Regex OverallExposure();
}
