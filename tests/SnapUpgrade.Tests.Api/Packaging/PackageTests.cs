using System.Runtime.Versioning;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Packaging;

/// <summary>
/// The .deb against the README's table ("Install on a host"): every path the package ships, with its
/// owner and mode, in the package and in the scratch root dpkg unpacked it into; and the installed
/// command runs from any folder (the apphost through its /usr/bin link, self-contained).
/// </summary>
[SupportedOSPlatform("linux")] // a Debian package, its modes and a Linux mount namespace
[Collection(BuiltPackage.Collection)]
public sealed class PackageTests(BuiltPackage package)
{
    [Fact]
    public async Task Package_UnpackedIntoAScratchRoot_HasThePathsOwnersAndModesTheReadmeDocuments()
    {
        var documented = await DocumentedAsync();
        Assert.True(documented.Count >= 6, $"the README's table lists {documented.Count} packaged paths");

        foreach (var (path, owner, mode) in documented)
        {
            var line = package.Contents.SingleOrDefault(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: >= 6 } f
                && f[5] == "." + path.TrimEnd('/') + (path.EndsWith('/') ? "/" : ""));
            Assert.True(line is not null, $"{path} is not in the package:\n{string.Join('\n', package.Contents.Take(30))}");
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(owner.Replace(':', '/'), fields[1]);

            var unpacked = Path.Join(package.Root, path);
            // A conffile stays <name>.dpkg-new until the package is configured, which this unpack never does.
            if (package.Status.Contains($"\n {path} ", StringComparison.Ordinal)) unpacked += ".dpkg-new";
            if (mode == "link")
            {
                Assert.StartsWith("l", fields[0], StringComparison.Ordinal);
                var target = new FileInfo(unpacked).ResolveLinkTarget(returnFinalTarget: true);
                Assert.True(target is { Exists: true }, $"{path} links to nothing in the scratch root");
                continue;
            }
            Assert.True(Path.Exists(unpacked), $"{path} was not unpacked");
            Assert.Equal(mode, Octal(fields[0]));
            Assert.Equal(mode, "0" + Convert.ToString((int)File.GetUnixFileMode(unpacked), 8));
        }
    }

    [Fact]
    public void Package_InTheScratchDatabase_IsUnpackedWithTheEnvFileAsAConffile()
    {
        Assert.Contains("Status: install ok unpacked", package.Status);
        Assert.Contains($"Version: {BuiltPackage.Version}", package.Status);
        Assert.Matches(@"Conffiles:\n /etc/snapupgrade/snapupgrade\.env ", package.Status);
    }

    [Fact]
    public async Task Postinst_OnScratchCopiesOfTheAccounts_MakesTheSystemUserAndItsDataFolder()
    {
        Lane.Require(Environment.IsPrivilegedProcess && File.Exists("/usr/bin/unshare"), "root and unshare (a mount namespace of the test's own)");
        var scratch = Directory.CreateTempSubdirectory("snapupgrade-postinst-").FullName;
        var accountsBefore = await File.ReadAllTextAsync("/etc/passwd", TestContext.Current.CancellationToken);
        try
        {
            var (exit, output) = await BuiltPackage.RunAsync("unshare", ["--mount", "--propagation", "private", "--", "sh",
                Path.Combine(RepoRoot.Find(), "tests", "SnapUpgrade.Tests.Api", "Packaging", "with-scratch-system.sh"), scratch,
                "sh", Path.Join(package.Root, "var/lib/dpkg/info/snapupgrade.postinst"), "configure"], TimeSpan.FromMinutes(2));

            Assert.True(exit == 0, $"postinst configure (exit {exit}):\n{output}");
            Assert.Matches(@"passwd: snapupgrade:x:\d+:\d+:[^:]*:/var/lib/snapupgrade-web:/usr/sbin/nologin", output);
            Assert.Matches(@"group: snapupgrade:x:\d+:", output);
            Assert.Contains("data: snapupgrade:snapupgrade 700", output);
            Assert.Equal(accountsBefore, await File.ReadAllTextAsync("/etc/passwd", TestContext.Current.CancellationToken)); // the host's own, untouched
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/usr/lib/snapupgrade")]
    public async Task InstalledCommand_FromAnyFolder_RunsTheAdminCommands(string folder)
    {
        var dataDir = Directory.CreateTempSubdirectory("snapupgrade-package-data-").FullName;
        try
        {
            var cwd = folder == "/" ? "/" : Path.Join(package.Root, folder);
            var (exit, output) = await BuiltPackage.RunAsync(Path.Join(package.Root, "usr/bin/snapupgrade"), ["user", "add", "first-admin", "--role", "admin"],
                TimeSpan.FromMinutes(2), cwd, new Dictionary<string, string> { ["SnapUpgrade__DataDir"] = dataDir });

            Assert.True(exit == 0, $"snapupgrade user add (exit {exit}):\n{output}");
            var listed = await BuiltPackage.RunAsync(Path.Join(package.Root, "usr/bin/snapupgrade"), ["user", "list"],
                TimeSpan.FromMinutes(2), cwd, new Dictionary<string, string> { ["SnapUpgrade__DataDir"] = dataDir });
            Assert.Contains("first-admin", listed.Output);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>The table rows of README "Install on a host" that the package ships: path, owner, mode.</summary>
    private static async Task<List<(string Path, string Owner, string Mode)>> DocumentedAsync() =>
        [.. (await ReadmeInstallTable.RowsAsync()).Where(r => r.ByPackage).Select(r => (r.Path, r.Owner, r.Mode))];

    /// <summary>"-rwxr-xr-x" or "drwxr-xr-x" as "0755".</summary>
    private static string Octal(string permissions) =>
        "0" + string.Concat(permissions[1..].Chunk(3).Select(t => (char)('0' + (t[0] == 'r' ? 4 : 0) + (t[1] == 'w' ? 2 : 0) + (t[2] == 'x' ? 1 : 0))));
}
