namespace SnapUpgrade.Core.Zfs;

/// <summary>zfs/zpool (or the simulator standing in for them) refused a command.</summary>
public sealed class ZfsCommandException(IReadOnlyList<string> argv, int exitCode, string stderr)
    : Exception($"`{string.Join(' ', argv)}` failed (exit {exitCode}): {stderr.Trim()}")
{
    public IReadOnlyList<string> Argv { get; } = argv;
    public int ExitCode { get; } = exitCode;
    public string StandardError { get; } = stderr;

    /// <summary>zfs says the dataset is busy (mounted, in use); worth a brief retry.</summary>
    public bool IsBusy => StandardError.Contains("busy", StringComparison.OrdinalIgnoreCase);
}
