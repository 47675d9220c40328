namespace SnapUpgrade.Infra.Simulation;

/// <summary>Host paths as component arrays: the simulator resolves them itself, never through the OS.</summary>
internal static class HostPath
{
    public static string[] Split(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    public static string Join(ReadOnlySpan<string> segments) =>
        segments.Length == 0 ? "/" : "/" + string.Join('/', segments);

    public static bool StartsWith(ReadOnlySpan<string> path, ReadOnlySpan<string> prefix) =>
        path.Length >= prefix.Length && path[..prefix.Length].SequenceEqual(prefix);

    /// <summary>An absolute path without a trailing slash ("/" stays "/").</summary>
    public static string Normalize(string path) => Join(Split(path));
}
