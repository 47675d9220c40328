using SnapUpgrade.Web.Components.Common;
using Xunit;

namespace SnapUpgrade.Tests.Component;

public sealed class FormatTests
{
    [Theory]
    [InlineData(0, "0B")]
    [InlineData(1023, "1023B")]
    [InlineData(1536, "1.5K")]
    [InlineData(10L * 1024 * 1024, "10M")]
    [InlineData(123L * 1024 * 1024 * 1024, "123G")]
    [InlineData(3L << 40, "3T")]
    public void Format_Bytes_PrintsLikeZfs(long bytes, string expected) => Assert.Equal(expected, Format.Bytes(bytes));
}
