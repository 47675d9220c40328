using System.Diagnostics;
using System.Globalization;
using System.Text;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Upgrade;

namespace SnapUpgrade.Infra.Simulation;

/// <summary>
/// The simulated host's package command (issue 14 point 6, ADR 0026): what an apt upgrade of the demo's
/// packages does to the root it is given, written as a process on the simulated host writes (links
/// followed: the BE's /var/log and /var/spool lead into its staged shared directories). It prints apt's
/// kind of lines, one every <c>pace</c>, so the output streams; it changes /etc/release and adds a
/// changelog in the BE, appends to /var/log/dpkg.log and /var/log/apt/history.log, and queues a job in
/// /var/spool. A write that fails ends it with apt's exit 100. The time limit and cancellation stop it
/// as they stop a real command.
/// </summary>
public sealed class SimulatedUpgradeCommand(SimulatedZfs host, TimeSpan limit, TimeSpan? pace = null, TimeProvider? time = null) : IUpgradeCommand
{
    private readonly TimeSpan _pace = pace ?? TimeSpan.FromMilliseconds(150);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Said as what it is: a simulation, with the root it works on.</summary>
    public IReadOnlyList<string> Argv { get; } = ["simulated-apt-get", "--root={root}", "-y", "dist-upgrade"];

    public IReadOnlyList<string> Describe(string root, string be) => UpgradeCommandPolicy.Fill(Argv, root, be);

    public async Task<CommandRun> RunAsync(string root, string be, Action<string> output, CancellationToken ct = default)
    {
        var process = host.AsProcess();
        var kept = new UpgradeOutput();
        var started = Stopwatch.StartNew();
        void Say(string line)
        {
            kept.Add(line);
            output(line);
        }
        CommandRun End(CommandEnd end, int? exit) => new(end, exit, kept.ToString(), kept.Cut, started.Elapsed);
        var stamp = _time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var steps = new (string Line, Action? Do)[]
        {
            ("Reading package lists... Done", null),
            ("Calculating upgrade... Done", null),
            ("The following packages will be upgraded: demo-base demo-tools", null),
            ("Unpacking demo-base (2.0) over (1.0) ...", () =>
            {
                var release = process.GetKind($"{root}/etc/release") == FileKind.File ? process.ReadAllBytes($"{root}/etc/release") : [];
                process.WriteAllBytes($"{root}/etc/release", [.. release, .. Encoding.UTF8.GetBytes($"demo-base 2.0, upgraded into {be}\n")]);
                process.CreateDirectory($"{root}/usr/share/doc/demo-base");
                process.WriteAllBytes($"{root}/usr/share/doc/demo-base/changelog", "demo-base (2.0): the upgrade the simulated host makes\n"u8.ToArray());
            }),
            ("Unpacking demo-tools (2.0) over (1.0) ...", () =>
                process.AppendAllBytes($"{root}/var/log/dpkg.log", Encoding.UTF8.GetBytes(
                    $"{stamp} upgrade demo-base:all 1.0 2.0\n{stamp} upgrade demo-tools:all 1.0 2.0\n"))),
            ("Setting up demo-base (2.0) ...", () =>
            {
                process.CreateDirectory($"{root}/var/log/apt");
                process.AppendAllBytes($"{root}/var/log/apt/history.log",
                    Encoding.UTF8.GetBytes($"\nStart-Date: {stamp}\nUpgrade: demo-base:all (1.0, 2.0), demo-tools:all (1.0, 2.0)\nEnd-Date: {stamp}\n"));
            }),
            ("Setting up demo-tools (2.0) ...", () =>
            {
                process.CreateDirectory($"{root}/var/spool/demo-tools");
                process.WriteAllBytes($"{root}/var/spool/demo-tools/queue", "rebuild the demo index after the upgrade\n"u8.ToArray());
                process.AppendAllBytes($"{root}/var/log/dpkg.log", Encoding.UTF8.GetBytes(
                    $"{stamp} status installed demo-base:all 2.0\n{stamp} status installed demo-tools:all 2.0\n"));
            }),
            ("2 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.", null),
        };
        foreach (var (line, step) in steps)
        {
            var left = limit - started.Elapsed;
            try
            {
                if (left <= TimeSpan.Zero) return End(CommandEnd.TimedOut, null);
                await Task.Delay(_pace < left ? _pace : left, _time, ct);
            }
            catch (OperationCanceledException)
            {
                return End(CommandEnd.Cancelled, null);
            }
            Say(line);
            try
            {
                step?.Invoke();
            }
            catch (IOException e)
            {
                Say($"E: {e.Message}");
                return End(CommandEnd.Exited, 100);
            }
        }
        return End(CommandEnd.Exited, 0);
    }
}
