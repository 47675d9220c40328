namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>A clock stopped at one instant: makes a token that is already expired by the real clock.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
