namespace SnapUpgrade.Tests.Unit.Sqlite;

/// <summary>A clock the test moves by hand (lockouts, expiries, last-used resolution).</summary>
sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    DateTimeOffset _now = start;

    public FakeClock() : this(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
