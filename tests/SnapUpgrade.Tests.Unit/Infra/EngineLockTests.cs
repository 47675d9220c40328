using SnapUpgrade.Infra.Composition;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>The lock that keeps a second console from changing (or reconciling) the first one's pool.</summary>
public sealed class EngineLockTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("snapupgrade-lock-").FullName;

    [Fact]
    public void TryAcquire_HeldByAnotherOpenOfTheFile_ReturnsNullNamingTheHolderUntilItIsReleased()
    {
        // flock belongs to an open file description: a second open, as another process makes, is refused.
        using (var first = EngineLock.TryAcquire(_dataDir, "rpool", out _))
        {
            Assert.NotNull(first);

            var second = EngineLock.TryAcquire(_dataDir, "rpool", out var holder);

            Assert.Null(second);
            Assert.Contains($"pid {Environment.ProcessId}", holder);
            Assert.Contains("changes nothing", holder);
            using var otherPool = EngineLock.TryAcquire(_dataDir, "tank", out _);
            Assert.NotNull(otherPool); // one lock per pool
        }

        using var again = EngineLock.TryAcquire(_dataDir, "rpool", out _);
        Assert.NotNull(again);
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
