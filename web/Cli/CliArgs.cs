namespace SnapUpgrade.Web.Cli;

/// <summary>The admin commands' arguments: positionals and <c>--option value</c> / <c>--flag</c>.</summary>
public sealed class CliArgs
{
    private static readonly HashSet<string> Flags = ["--password-stdin"];

    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);

    public List<string> Positionals { get; } = [];

    /// <summary>Null and a message when the line cannot be read (an option without its value).</summary>
    public static CliArgs? Parse(IReadOnlyList<string> args, out string? error)
    {
        var parsed = new CliArgs();
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) { parsed.Positionals.Add(arg); continue; }
            if (Flags.Contains(arg)) { parsed._options[arg] = null; continue; }
            if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                error = $"{arg} needs a value.";
                return null;
            }
            parsed._options[arg] = args[++i];
        }
        return parsed;
    }

    public string? Option(string name) => _options.GetValueOrDefault(name);
    public bool Flag(string name) => _options.ContainsKey(name);
    public IEnumerable<string> OptionNames => _options.Keys;
}
