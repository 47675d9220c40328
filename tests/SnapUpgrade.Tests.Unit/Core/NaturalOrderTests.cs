using SnapUpgrade.Core.Model;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class NaturalOrderTests
{
    private static readonly NaturalOrder Order = NaturalOrder.Instance;

    [Theory]
    [InlineData("be2", "be10")]
    [InlineData("2026.9", "2026.10")]
    [InlineData("2026.10", "2027.1")]
    [InlineData("be-1a", "be-1b")]
    [InlineData("be-1b", "be-2a")]
    [InlineData("be9", "be10a")]
    [InlineData("be", "be1")]
    [InlineData("", "a")]
    [InlineData("", "0")]
    [InlineData("Alpha", "beta")]
    [InlineData("alpha", "Beta")]
    // Beyond long (19 digits): by length, then digit by digit, never parsed.
    [InlineData("be99999999999999999999", "be100000000000000000000")]
    [InlineData("be123456789012345678901234567890", "be123456789012345678901234567891")]
    // A digit run sorts where digits do among other characters: after '-' and '.', before letters.
    [InlineData("be-x", "be1")]
    [InlineData("be.x", "be1")]
    [InlineData("be1", "bea")]
    public void Compare_FirstBeforeSecond_IsNegativeBothWays(string first, string second)
    {
        Assert.True(Order.Compare(first, second) < 0, $"{first} < {second}");
        Assert.True(Order.Compare(second, first) > 0, $"{second} > {first}");
    }

    [Theory]
    [InlineData("BE1", "be1")]
    [InlineData("be01", "be1")]
    [InlineData("be001", "be01")]
    [InlineData("Be-1A", "be-1a")]
    public void Compare_EqualButForCaseOrLeadingZeros_IsOrdinalNotZero(string first, string second)
    {
        Assert.Equal(Math.Sign(string.CompareOrdinal(first, second)), Order.Compare(first, second));
        Assert.Equal(-Order.Compare(first, second), Order.Compare(second, first));
        Assert.NotEqual(0, Order.Compare(first, second));
    }

    [Fact]
    public void Compare_LeadingZeros_SortBetweenTheNeighbouringNumbers()
    {
        string[] sorted = ["be0", "be01", "be1", "be2", "be010", "be10"];

        Assert.Equal(["be0", "be01", "be1", "be2", "be010", "be10"], sorted.Order(Order));
    }

    [Fact]
    public void Compare_NullAndEmpty_NullFirstThenEmptyAndEqualToThemselves()
    {
        Assert.Equal(0, Order.Compare(null, null));
        Assert.Equal(0, Order.Compare("", ""));
        Assert.True(Order.Compare(null, "") < 0);
        Assert.True(Order.Compare("", null) > 0);
        Assert.Equal(0, Order.Compare("be10", new string("be10".AsSpan())));
    }

    [Fact]
    public void Sort_BeadmStyleNames_NaturalCaseInsensitiveWithACaseTieBreak()
    {
        string[] names = ["be10", "BE2", "be2", "be1", "2026.10", "2026.9", "be-1b", "be-1a", "Be-1a", "zsys_abc", "be"];

        Assert.Equal(["2026.9", "2026.10", "be", "Be-1a", "be-1a", "be-1b", "be1", "BE2", "be2", "be10", "zsys_abc"],
            names.Order(Order));
    }

    [Fact]
    public void Sort_AnyInputOrder_GivesTheSameOrderAndIsConsistent()
    {
        var random = new Random(13);
        string[] pieces = ["be", "BE", "-", ".", "_", "0", "00", "1", "01", "2", "10", "9", "a", "A", "b", "99999999999999999999"];
        var names = Enumerable.Range(0, 400)
            .Select(_ => string.Concat(Enumerable.Range(0, random.Next(0, 5)).Select(_ => pieces[random.Next(pieces.Length)])))
            .Distinct(StringComparer.Ordinal).ToArray();

        var once = names.Order(Order).ToArray();
        var again = names.Reverse().Order(Order).ToArray();

        Assert.Equal(once, again);
        // A total order: every adjacent pair strictly ordered, and transitive over a sample of triples.
        for (var i = 1; i < once.Length; i++)
            Assert.True(Order.Compare(once[i - 1], once[i]) < 0, $"{once[i - 1]} < {once[i]}");
        for (var n = 0; n < 2000; n++)
        {
            var (a, b, c) = (names[random.Next(names.Length)], names[random.Next(names.Length)], names[random.Next(names.Length)]);
            if (Order.Compare(a, b) <= 0 && Order.Compare(b, c) <= 0)
                Assert.True(Order.Compare(a, c) <= 0, $"{a} <= {b} <= {c}");
        }
    }
}
