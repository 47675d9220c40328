using SnapUpgrade.Core.Engine;
using SnapUpgrade.Web.Api;
using Xunit;

namespace SnapUpgrade.Tests.Api;

/// <summary>The engine's closed error codes as HTTP statuses: a refusal is never a 500.</summary>
public sealed class ProblemMappingTests
{
    [Fact]
    public void Status_EveryRefusalCode_IsA4xx()
    {
        var refusals = Enum.GetValues<ErrorCode>().Where(c => c != ErrorCode.OperationFailed);

        Assert.All(refusals, c => Assert.InRange(OperationProblems.Status(c), 400, 499));
    }

    [Theory]
    [InlineData(ErrorCode.NotFound, 404)]
    [InlineData(ErrorCode.ZoneNotFound, 404)]
    [InlineData(ErrorCode.SnapshotNotFound, 404)]
    [InlineData(ErrorCode.AlreadyExists, 409)]
    [InlineData(ErrorCode.BeIsBooted, 409)]
    [InlineData(ErrorCode.Busy, 409)]
    [InlineData(ErrorCode.NotSupported, 409)]
    [InlineData(ErrorCode.MigrateBootedBe, 409)]
    [InlineData(ErrorCode.UnsafePath, 409)]
    [InlineData(ErrorCode.InvalidName, 400)]
    [InlineData(ErrorCode.InvalidDescription, 400)]
    [InlineData(ErrorCode.InvalidPath, 400)]
    [InlineData(ErrorCode.Forbidden, 403)]
    [InlineData(ErrorCode.OperationFailed, 500)]
    public void Status_Code_IsTheDocumentedStatus(ErrorCode code, int status) =>
        Assert.Equal(status, OperationProblems.Status(code));

    [Fact]
    public void Problem_FailedOutcome_Is500WithCodeOperationFailed()
    {
        var result = new OperationResult
        {
            Action = "destroy", Target = "x", Outcome = Outcome.Failed,
            Error = new OperationError(ErrorCode.BeIsMounted, "zfs destroy failed: dataset is busy"),
        };

        var problem = OperationProblems.For(result);

        Assert.Equal(500, problem.StatusCode);
        Assert.Equal("OperationFailed", problem.ProblemDetails.Extensions["code"]);
        Assert.Equal("zfs destroy failed: dataset is busy", problem.ProblemDetails.Detail);
    }

    [Fact]
    public void Problem_FailedOnALinkHalfWay_Is409WithCodeUnsafePath()
    {
        var result = new OperationResult
        {
            Action = "mount", Target = "x", Outcome = Outcome.Failed,
            Error = new OperationError(ErrorCode.UnsafePath, "Unsafe path /a/zones/web/root/var/shared: it is a symbolic link"),
        };

        var problem = OperationProblems.For(result);

        Assert.Equal(409, problem.StatusCode);
        Assert.Equal("UnsafePath", problem.ProblemDetails.Extensions["code"]);
    }
}
