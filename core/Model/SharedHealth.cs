namespace SnapUpgrade.Core.Model;

/// <summary>The state of one fixed directory (/var/adm, ...) in one BE or zone BE.</summary>
public enum SharedDirState
{
    /// <summary>A relative link <c>shared/&lt;dir&gt;</c>: resolves inside whatever root the BE is mounted at.</summary>
    Ok,
    /// <summary>
    /// A dataset outside the BE is mounted there (<c>rpool/var/log</c> at /var/log, as distribution guides
    /// lay hosts out): shared already, by its own dataset. Healthy; nothing to migrate.
    /// </summary>
    OwnDataset,
    /// <summary>Still a real directory in the BE: its content is not shared yet.</summary>
    NotMigrated,
    Missing,
    /// <summary>Any other link (absolute, elsewhere) or a file: left alone, for a person to look at.</summary>
    Wrong,
}

/// <param name="Dataset">For <see cref="SharedDirState.OwnDataset"/>: the dataset mounted there.</param>
public sealed record SharedDirHealth(string Directory, SharedDirState State, string? LinkTarget, string? Dataset = null)
{
    public bool IsHealthy => State is SharedDirState.Ok or SharedDirState.OwnDataset;
}

/// <param name="Zone">null for a global BE.</param>
/// <param name="Error">Why the BE could not be inspected, when it could not.</param>
/// <param name="CheckedAt">When its directories were read: now for a mounted BE, at the last
/// check (an operator's audited action) for one that is not mounted; null when never checked.</param>
public sealed record BeSharedHealth(string Be, string? Zone, string Dataset, IReadOnlyList<SharedDirHealth> Directories,
    string? Error = null, DateTimeOffset? CheckedAt = null)
{
    public bool AllOk => Error is null && CheckedAt is not null && Directories.All(d => d.IsHealthy);

    /// <summary>Not mounted and never checked: nothing is known about its directories.</summary>
    public bool NotChecked => CheckedAt is null && Error is null;
}

public sealed record SharedHealthReport(IReadOnlyList<BeSharedHealth> Entries, DateTimeOffset ReadAt)
{
    public bool AllOk => Entries.All(e => e.AllOk);
}

public static class SharedLinks
{
    /// <summary>The link every BE must have for a fixed directory: relative, never absolute.</summary>
    public static string Target(string directory) => $"shared/{directory}";

    public static SharedDirState Classify(Host.FileKind kind, string? linkTarget, string directory) => kind switch
    {
        Host.FileKind.Missing => SharedDirState.Missing,
        Host.FileKind.Directory => SharedDirState.NotMigrated,
        Host.FileKind.Symlink when linkTarget?.TrimEnd('/') is { } t && (t == Target(directory) || t == "./" + Target(directory))
            => SharedDirState.Ok,
        _ => SharedDirState.Wrong,
    };
}
