namespace SnapUpgrade.Tests.Support;

/// <summary>
/// xunit reports a fixture whose cleanup threw as "Test Class Cleanup Failure" with no exception in the
/// TRX file or the console. Fixtures record theirs here: a file test.sh prints after the lane
/// (<c>$SNAPUPGRADE_TEST_LOG_DIR/cleanup-failures.log</c>, set by test.sh; the temp directory otherwise).
/// </summary>
public static class CleanupFailures
{
    private static readonly Lock Gate = new();

    public static string LogFile => Path.Combine(
        Environment.GetEnvironmentVariable("SNAPUPGRADE_TEST_LOG_DIR") is { Length: > 0 } dir ? dir : Path.GetTempPath(),
        "cleanup-failures.log");

    /// <summary>Runs a fixture's cleanup step; a failure is recorded, then thrown on as before.</summary>
    public static async ValueTask GuardAsync(string who, Func<ValueTask> cleanup)
    {
        try
        {
            await cleanup();
        }
        catch (Exception ex)
        {
            Record(who, ex);
            throw;
        }
    }

    public static void Record(string who, Exception failure)
    {
        var text = $"{DateTime.UtcNow:HH:mm:ss} {who}: cleanup failed{Environment.NewLine}{failure}{Environment.NewLine}{Environment.NewLine}";
        lock (Gate) File.AppendAllText(LogFile, text);
        Console.Error.Write(text);
    }
}
