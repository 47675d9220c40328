using System.Buffers;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Core.Model;

/// <summary>Name rules for BEs, zones and snapshots: checked before anything reaches zfs or a path.</summary>
public static class Names
{
    public const int MaxLength = 64;

    /// <summary>1-64 characters of [A-Za-z0-9._-], not starting with '-' or '.'.</summary>
    public static OperationError? Check(string? name, string what = "boot environment")
    {
        if (string.IsNullOrEmpty(name))
            return new(ErrorCode.InvalidName, $"A {what} name is required.");
        if (name.Length > MaxLength)
            return new(ErrorCode.InvalidName, $"The {what} name is {name.Length} characters long; at most {MaxLength} are allowed.");
        if (name[0] is '-' or '.')
            return new(ErrorCode.InvalidName, $"The {what} name '{Printable(name)}' must not start with '{name[0]}'.");
        // An index, not FirstOrDefault: '\0' is char's default, and a NUL passed as "no bad character"
        // (zfs then cut the name at it).
        var bad = name.AsSpan().IndexOfAnyExcept(Allowed);
        if (bad >= 0)
            return new(ErrorCode.InvalidName,
                $"The {what} name '{Printable(name)}' contains '{Printable(name[bad].ToString())}'; only letters, digits, '.', '_' and '-' are allowed.");
        return null;
    }

    private static readonly SearchValues<char> Allowed =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    /// <summary>Control characters shown escaped, so an error message never carries them raw.</summary>
    private static string Printable(string s) =>
        string.Concat(s.Take(80).Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
