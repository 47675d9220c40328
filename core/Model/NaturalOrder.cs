namespace SnapUpgrade.Core.Model;

/// <summary>
/// Names in the order beadm and zectl users expect: runs of ASCII digits compare as numbers
/// (<c>be2</c> before <c>be10</c>, <c>2026.9</c> before <c>2026.10</c>), everything else case-insensitively.
/// </summary>
/// <remarks>
/// Invariant: the order is total and stable. Names equal by the rule above (<c>BE1</c>/<c>be1</c>,
/// <c>be01</c>/<c>be1</c>) are told apart by their ordinal order, so <see cref="Compare"/> returns 0
/// only for equal strings and a sort gives one order whatever order its input had. A digit run is
/// one symbol that sorts where the digits do among other characters (after <c>-</c> and <c>.</c>,
/// before letters and <c>_</c>); runs of any length compare without parsing, so none overflows.
/// </remarks>
public sealed class NaturalOrder : IComparer<string?>
{
    public static NaturalOrder Instance { get; } = new();

    private NaturalOrder() { }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return -1;
        if (y is null) return 1;
        var natural = CompareNatural(x, y);
        return natural != 0 ? natural : Math.Sign(string.CompareOrdinal(x, y));
    }

    private static int CompareNatural(ReadOnlySpan<char> x, ReadOnlySpan<char> y)
    {
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (char.IsAsciiDigit(x[i]) && char.IsAsciiDigit(y[j]))
            {
                var a = DigitRun(x, i);
                var b = DigitRun(y, j);
                var byValue = CompareNumbers(x.Slice(i, a), y.Slice(j, b));
                if (byValue != 0) return byValue;
                i += a;
                j += b;
                continue;
            }
            var byChar = char.ToUpperInvariant(x[i]).CompareTo(char.ToUpperInvariant(y[j]));
            if (byChar != 0) return Math.Sign(byChar);
            i++;
            j++;
        }
        // One ran out: the shorter (a prefix of the other by this rule) comes first.
        return (x.Length - i).CompareTo(y.Length - j);
    }

    private static int DigitRun(ReadOnlySpan<char> s, int start)
    {
        var end = start;
        while (end < s.Length && char.IsAsciiDigit(s[end])) end++;
        return end - start;
    }

    /// <summary>Two digit runs by value: leading zeros dropped, then the longer is larger, then digit by digit.</summary>
    private static int CompareNumbers(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        a = a.TrimStart('0');
        b = b.TrimStart('0');
        if (a.Length != b.Length) return a.Length.CompareTo(b.Length);
        return Math.Sign(a.SequenceCompareTo(b));
    }
}
