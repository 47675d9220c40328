using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Model;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class NamesTests
{
    [Theory]
    [InlineData("be1")]
    [InlineData("2026.11")]
    [InlineData("a_b-c.d")]
    [InlineData("Z")]
    public void Check_ValidName_PassesWithoutError(string name) => Assert.Null(Names.Check(name));

    [Fact]
    public void Check_EveryUtf16CodeUnitInAName_PassesOnlyForTheAsciiLettersDigitsDotUnderscoreAndDash()
    {
        var allowed = new HashSet<char>("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
        var wrong = new List<string>();
        for (var c = char.MinValue; ; c++)
        {
            // In the middle and at the end: a NUL ('\0', char's default value) once slipped through there.
            foreach (var name in new[] { $"a{c}b", $"ab{c}" })
            {
                var error = Names.Check(name);
                if ((error is null) != allowed.Contains(c) || (error is not null && error.Code != ErrorCode.InvalidName))
                    wrong.Add($"U+{(int)c:X4} in '{name.Replace("\0", "\\0")}': {error?.Code.ToString() ?? "accepted"}");
            }
            if (c == char.MaxValue) break;
        }
        Assert.Empty(wrong);
        Assert.Contains("\\u0000", Names.Check("a\0b")!.Message);
    }

    [Fact]
    public void Check_SixtyFourCharacters_PassesButSixtyFiveFail()
    {
        Assert.Null(Names.Check(new string('x', 64)));
        Assert.Equal(ErrorCode.InvalidName, Names.Check(new string('x', 65))?.Code);
    }

    [Theory]
    [InlineData("", "required")]
    [InlineData("-x", "must not start with '-'")]
    [InlineData(".x", "must not start with '.'")]
    [InlineData("a/b", "contains '/'")]
    [InlineData("a\nb", "contains '\\u000a'")]
    [InlineData("naïve", "contains 'ï'")]
    public void Check_InvalidName_SaysWhatIsWrong(string name, string expected)
    {
        var error = Names.Check(name);

        Assert.Equal(ErrorCode.InvalidName, error?.Code);
        Assert.Contains(expected, error!.Message);
    }
}
