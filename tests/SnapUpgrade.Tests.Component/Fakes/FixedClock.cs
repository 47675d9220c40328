namespace SnapUpgrade.Tests.Component.Fakes;

/// <summary>A clock that stands still, for "checked 12 minutes ago".</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
