using System.Globalization;

namespace SnapUpgrade.Scale;

/// <summary>One host of a load run: its backend and how many BEs.</summary>
public sealed record HostSpec(string Backend, int BeCount)
{
    public override string ToString() => $"{Backend}:{BeCount}";
}

/// <summary>
/// The load run's arguments (tests/scale/load.sh passes its own through):
/// <c>--hosts simulated:3,simulated:1000,simulated:10000,zfs-fuse:3,zfs-fuse:1000</c> (the default),
/// <c>--snapshots 10</c> (recursive snapshots of every BE), <c>--pages 10</c>, <c>--seconds 60</c> (each window),
/// <c>--creates 3</c> (BEs made through the API one after another, each timed: one sample was noise-bound).
/// </summary>
public sealed record LoadOptions(IReadOnlyList<HostSpec> Hosts, int Snapshots, int Pages, TimeSpan Window, int Creates)
{
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var hosts = "simulated:3,simulated:1000,simulated:10000,zfs-fuse:3,zfs-fuse:1000";
        int snapshots = 10, pages = 10, seconds = 60, creates = 3;
        for (var i = 0; i < args.Count; i += 2)
        {
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--hosts": hosts = value; break;
                case "--snapshots": snapshots = Number(args[i], value, 0); break;
                case "--pages": pages = Number(args[i], value, 1); break;
                case "--seconds": seconds = Number(args[i], value, 1); break;
                case "--creates": creates = Number(args[i], value, 1); break;
                default: throw new ArgumentException($"unknown argument {args[i]} (--hosts, --snapshots, --pages, --seconds, --creates)");
            }
        }
        return new LoadOptions([.. hosts.Split(',').Select(Host)], snapshots, pages, TimeSpan.FromSeconds(seconds), creates);
    }

    private static HostSpec Host(string text)
    {
        var parts = text.Split(':');
        if (parts is not [ScaleHost.Simulated or ScaleHost.ZfsFuse, var count])
            throw new ArgumentException($"--hosts: '{text}' is not {ScaleHost.Simulated}:<BEs> or {ScaleHost.ZfsFuse}:<BEs>");
        return new HostSpec(parts[0], Number("--hosts", count, 1));
    }

    private static int Number(string name, string text, int least) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= least
            ? n
            : throw new ArgumentException($"{name} is '{text}'; use a whole number of at least {least}");
}
