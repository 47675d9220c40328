namespace SnapUpgrade.Scale;

/// <summary>The entry point (not top-level statements: <c>Program</c> is the console's, which <see cref="ServedConsole"/> hosts).</summary>
internal static class ScaleProgram
{
    /// <summary>
    /// <c>serve</c>: one measured console, started by <see cref="ScaleConsole"/> as a process of its own.
    /// Otherwise the load run of tests/scale/load.sh: it builds the hosts, measures each and prints the table.
    /// </summary>
    private static async Task<int> Main(string[] args) =>
        args is ["serve"] ? await ServedConsole.RunAsync() : await LoadRun.RunAsync(LoadOptions.Parse(args));
}
