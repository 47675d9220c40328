using SnapUpgrade.Core.Lab;

namespace SnapUpgrade.Tests.Support;

/// <summary>
/// A zfs-fuse lab pool laid out as a booted host (<see cref="LabBootstrap"/>: BE <c>be1</c> booted,
/// with /var/shared), and the settings that point a whole console at it (API and browser tests).
/// </summary>
public sealed class BootedZfsFuseLab : IAsyncDisposable
{
    private readonly ZfsFuseLab _lab;

    private BootedZfsFuseLab(ZfsFuseLab lab) => _lab = lab;

    /// <summary>Null when zfs-fuse is not installed: the tests then say so through <c>Lane.RequireZfsFuse()</c>.</summary>
    public static async Task<BootedZfsFuseLab?> CreateIfInstalledAsync()
    {
        if (!ZfsFuseLab.IsInstalled) return null;
        var lab = await ZfsFuseLab.CreateAsync();
        try
        {
            await LabBootstrap.InitializeAsync(lab.Zfs, lab.Files, lab.Pool, "be1", withShared: true);
        }
        catch
        {
            await lab.DisposeAsync(); // its pool is the test's to destroy, even when it never booted
            throw;
        }
        return new BootedZfsFuseLab(lab);
    }

    /// <summary>The pool and host root under the settings: for tests that look at the host themselves.</summary>
    public ITestHost Host => _lab;

    public IReadOnlyDictionary<string, string?> ConsoleSettings => new Dictionary<string, string?>
    {
        ["SnapUpgrade:Backend"] = "zfs",
        ["SnapUpgrade:Pool"] = _lab.Pool,
        ["SnapUpgrade:HostRoot"] = _lab.HostRoot,
    };

    public ValueTask DisposeAsync() => _lab.DisposeAsync();
}
