using System.Diagnostics;
using SnapUpgrade.Tests.Support;
using Xunit;

namespace SnapUpgrade.Tests.Api.Packaging;

/// <summary>
/// The .deb as <c>infra/install/build-deb.sh</c> builds it (once for the classes of <see cref="Collection"/>), unpacked with dpkg into
/// a scratch root with a dpkg database of its own (<c>dpkg --root</c>, log in the scratch root): the real
/// system's packages and files are never touched, and no maintainer script runs.
/// </summary>
public sealed class BuiltPackage : IAsyncLifetime
{
    public const string Collection = "package";
    public const string Version = "0.0.0~test";

    private readonly string _temp = Directory.CreateTempSubdirectory("snapupgrade-package-").FullName;

    public string Deb => Path.Combine(_temp, "out", $"snapupgrade_{Version}_amd64.deb");
    public string Root => Path.Combine(_temp, "root");
    /// <summary><c>dpkg-deb --contents</c>: one tar line per path (mode, owner/group, size, date, ./path [-> target]).</summary>
    public IReadOnlyList<string> Contents { get; private set; } = [];
    public string Status { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        Lane.Require(File.Exists("/usr/bin/dpkg-deb"), "dpkg-deb (Debian's dpkg)");
        var built = await RunAsync(Path.Combine(RepoRoot.Find(), "infra", "install", "build-deb.sh"), [Version, Path.Combine(_temp, "out")], TimeSpan.FromMinutes(15));
        Assert.True(built.Exit == 0, $"build-deb.sh (exit {built.Exit}):\n{built.Output}");

        var admin = Path.Combine(Root, "var", "lib", "dpkg");
        Directory.CreateDirectory(Path.Combine(admin, "info"));
        Directory.CreateDirectory(Path.Combine(admin, "updates"));
        await File.WriteAllTextAsync(Path.Combine(admin, "status"), "");
        await File.WriteAllTextAsync(Path.Combine(admin, "available"), "");
        // --unpack: the files only; the postinst (adduser) is for a real host. --force-depends: the scratch root has no packages.
        var unpacked = await RunAsync("dpkg", [$"--root={Root}", $"--log={Path.Combine(_temp, "dpkg.log")}", "--force-depends", "--force-not-root",
            "--unpack", Deb], TimeSpan.FromMinutes(5));
        Assert.True(unpacked.Exit == 0, $"dpkg --unpack (exit {unpacked.Exit}):\n{unpacked.Output}");

        var contents = await RunAsync("dpkg-deb", ["--contents", Deb], TimeSpan.FromMinutes(1));
        Assert.Equal(0, contents.Exit);
        Contents = contents.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Status = (await RunAsync("dpkg", [$"--root={Root}", "--status", "snapupgrade"], TimeSpan.FromMinutes(1))).Output;
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_temp, recursive: true);
        return ValueTask.CompletedTask;
    }

    /// <summary>Runs a program (argv, no shell) bounded by <paramref name="limit"/>; exit code and stdout plus stderr.</summary>
    public static async Task<(int Exit, string Output)> RunAsync(string file, IEnumerable<string> args, TimeSpan limit,
        string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bounded.CancelAfter(limit);
        var stdout = process.StandardOutput.ReadToEndAsync(bounded.Token);
        var stderr = process.StandardError.ReadToEndAsync(bounded.Token);
        await process.WaitForExitAsync(bounded.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// The test classes that share one built package (they run one after the other), alone: after every other class of
/// the lane, never beside one. systemd-nspawn gives its container a copy of the host's mount table as it is when
/// the container starts, and the host's mounts here are private (nothing propagates): a zfs-fuse lab's mount in that
/// copy outlives its unmount on the host for as long as the container runs, and the daemon cannot let its dataset
/// go. CI saw a kill -9 test's pool "busy" for 2 minutes at its end, with nothing mounted on the host.
/// </summary>
[CollectionDefinition(BuiltPackage.Collection, DisableParallelization = true)]
public sealed class BuiltPackageCollection : ICollectionFixture<BuiltPackage>;
