namespace SnapUpgrade.Infra.Sqlite;

/// <summary>
/// Times are stored as INTEGER unix epoch milliseconds, UTC: one canonical form (the audit hash
/// chain will hash it), sortable, and readable with <c>datetime(x / 1000, 'unixepoch')</c>.
/// </summary>
static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();
    public static DateTimeOffset To(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
