using Microsoft.Extensions.Configuration;
using SnapUpgrade.Infra.Composition;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Repo;

/// <summary>No Docker engine runs on these machines: Debian's docker-compose validates the file only.</summary>
public sealed class DockerComposeTests : IDisposable
{
    readonly string _temp = Directory.CreateTempSubdirectory("snapupgrade-compose-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public async Task ComposeFile_IsValidAndPublishesOnTheLoopbackOnly()
    {
        var compose = RequiredTool.Require("docker-compose", "apt-get install docker-compose");

        var (exit, output) = await ToolRun.RunAsync(compose, RepoRoot.Find(), "config");

        Assert.True(exit == 0, $"docker-compose config failed (exit {exit}):\n{output}");
        var published = output.Split('\n').SkipWhile(l => l.Trim() != "ports:").Skip(1)
            .TakeWhile(l => l.TrimStart().StartsWith("- ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(published);
        Assert.All(published, port => Assert.StartsWith("- 127.0.0.1:", port.Trim(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommentedRealHostVariant_IsValidWhenUncommented()
    {
        var compose = RequiredTool.Require("docker-compose", "apt-get install docker-compose");
        var variant = await RealHostVariantAsync();
        Assert.Contains("      SnapUpgrade__Backend: zfs", variant);
        await File.WriteAllLinesAsync(Path.Combine(_temp, "docker-compose.yml"), ["services:", .. variant],
            TestContext.Current.CancellationToken);

        var (exit, output) = await ToolRun.RunAsync(compose, _temp, "config", "-q");

        Assert.True(exit == 0, $"the real-host variant does not validate (exit {exit}):\n{output}");
    }

    [Fact]
    public async Task RealHostVariant_NeverBootsInProcessAndListensOnLocalhost()
    {
        var variant = await RealHostVariantAsync();
        var environment = variant.SkipWhile(l => l != "    environment:").Skip(1)
            .TakeWhile(l => l.StartsWith("      ", StringComparison.Ordinal))
            .Where(l => !l.TrimStart().StartsWith('#'))
            .Select(l => l.Trim().Split(": ", 2))
            .Select(kv => new KeyValuePair<string, string?>(kv[0].Replace("__", ":", StringComparison.Ordinal), kv[1]));

        var settings = HostSettings.Read(new ConfigurationBuilder().AddInMemoryCollection(environment).Build());

        Assert.Equal(Backend.Zfs, settings.Backend);
        Assert.NotEqual("/", settings.HostRoot); // it looks like a lab...
        Assert.False(settings.BootsInProcess, "the real host's pool must never get the simulated/lab reboot"); // ...but is not one
        Assert.Contains(variant, l => l.StartsWith("    command:", StringComparison.Ordinal) && l.Contains("\"http://127.0.0.1:8080\"", StringComparison.Ordinal));
    }

    /// <summary>The commented real-host service, uncommented.</summary>
    static async Task<List<string>> RealHostVariantAsync()
    {
        var lines = await File.ReadAllLinesAsync(
            Path.Combine(RepoRoot.Find(), "docker-compose.yml"), TestContext.Current.CancellationToken);
        return lines.SkipWhile(l => l != "  # console:").TakeWhile(l => l.StartsWith("  #", StringComparison.Ordinal))
            .Select(l => l.StartsWith("  # ", StringComparison.Ordinal) ? "  " + l[4..] : "")
            .ToList();
    }
}
