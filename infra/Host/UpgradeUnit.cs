using System.Globalization;
using System.Text;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>How an upgrade's package command runs (<c>Upgrade:RunAs</c>, ADR 0026).</summary>
public enum UpgradeRunAs
{
    /// <summary>A child of the console: it shares the console's sandbox (the dev and lab console, no systemd needed).</summary>
    Process,
    /// <summary>A transient systemd service of its own (<see cref="UpgradeUnit"/>): outside the installed engine's sandbox.</summary>
    Unit,
}

/// <summary>
/// The argv that runs an upgrade's package command as a transient systemd service (ADR 0026, addendum). The
/// installed engine's sandbox (no AF_INET, no CAP_SETUID, NoNewPrivileges: ADR 0020) is inherited by every
/// child, so apt could neither download nor drop to <c>_apt</c>; <c>systemd-run</c> asks PID 1 to start the
/// command in a unit of its own, with systemd's defaults for a root service instead. Still argv-only, no shell:
/// systemd-run execs the argv after <c>--</c>. <c>--wait --pipe</c> keeps it a run the engine follows: its
/// stdin (closed), stdout and stderr are systemd-run's, and systemd-run exits with the command's exit status.
/// </summary>
public static class UpgradeUnit
{
    /// <summary>Every run's unit starts so: <c>systemctl list-units 'snapupgrade-upgrade-*'</c> shows them.</summary>
    public const string Prefix = "snapupgrade-upgrade-";

    /// <summary>How long systemd gives the command to end after SIGTERM before it kills the unit's whole control group.</summary>
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How far past the engine's own time limit systemd ends the unit by itself (<c>RuntimeMaxSec</c>): a backstop
    /// for a run whose engine is gone; a live engine stops it at the limit first.
    /// </summary>
    public static readonly TimeSpan Backstop = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The properties the unit gets beyond systemd's defaults for a root service, and why not more. It must reach
    /// the network, switch users (apt's <c>_apt</c>), chroot and run maintainer scripts that do anything a root
    /// shell may: so no RestrictAddressFamilies, NoNewPrivileges, capability bound or system-call filter, and no
    /// file-system namespace (ProtectSystem, PrivateTmp, PrivateDevices...: the alternate root and its staging are
    /// the engine's mounts on the host, and kernel packages write /boot and /lib/modules inside it). What bounds it
    /// is what it may run (<see cref="Core.Upgrade.UpgradeCommandPolicy"/>), how long (<c>RuntimeMaxSec</c>), and
    /// its control group: a stop ends every process it started (<c>KillMode=control-group</c>, SIGKILL after
    /// <see cref="StopGrace"/>). Realtime scheduling is the one thing a package manager never needs.
    /// </summary>
    public static IReadOnlyList<string> Properties(TimeSpan limit) =>
    [
        "KillMode=control-group",
        $"TimeoutStopSec={Seconds(StopGrace)}",
        $"RuntimeMaxSec={Seconds(limit + Backstop)}",
        "RestrictRealtime=yes",
    ];

    /// <summary>
    /// The systemd-run argv for the filled package argv <paramref name="argv"/> (its program already a full path:
    /// systemd-run would look a bare name up on the console's PATH), the run's <paramref name="environment"/>
    /// (the only variables it sets; the unit starts from the manager's small default environment), the time limit
    /// and the unit's name.
    /// </summary>
    public static IReadOnlyList<string> SystemdRun(IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> environment,
        TimeSpan limit, string unit) =>
    [
        "systemd-run", "--wait", "--pipe", "--quiet", "--collect", $"--unit={unit}", "--service-type=exec",
        .. Properties(limit).Select(p => $"--property={p}"),
        .. environment.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"--setenv={e.Key}={e.Value}"),
        "--", .. argv,
    ];

    /// <summary>
    /// <c>snapupgrade-upgrade-&lt;pool&gt;:&lt;be&gt;.service</c>: the one name a run into <paramref name="be"/> on
    /// <paramref name="pool"/> has, so an engine that starts again after a kill stops exactly its own run's unit,
    /// never another engine's (another pool's) with a name alike, and a dry run shows the very argv that runs. One
    /// upgrade runs at a time per engine, and <c>--collect</c> unloads a unit when it ends, failed or not. BE names are
    /// [A-Za-z0-9._-] (<see cref="Core.Model.Names"/>) and pool names [A-Za-z0-9._:-]: all valid in a unit name, and
    /// the last ':' is the pool's end. Anything else (a ':' in the BE too) is written as systemd escapes it
    /// (<c>\xNN</c>), so no name can make the argv mean another unit or a pattern.
    /// </summary>
    public static string Name(string pool, string be) => $"{Prefix}{Escape(pool, colon: true)}:{Escape(be, colon: false)}.service";

    /// <summary>The argv that stops a run's unit; <c>systemctl stop</c> waits until it is inactive (or the stop job failed).</summary>
    public static IReadOnlyList<string> Stop(string unit) => ["systemctl", "stop", unit];

    /// <summary>Whether a stop found nothing to stop: systemd has no such unit loaded (the run had ended and was collected).</summary>
    public static bool NothingToStop(int exitCode, string stderr) => exitCode == 5 && stderr.Contains("not loaded", StringComparison.Ordinal);

    /// <summary>
    /// Stops <paramref name="unit"/> (<see cref="Stop"/>, within the unit's own grace and 30 s more): null when it
    /// is stopped or was not loaded, else why the stop failed ("systemctl stop X failed (exit 1): ..."), for the
    /// caller to say where its reader looks. Never throws for a stop that failed: the unit then ends at its
    /// RuntimeMaxSec.
    /// </summary>
    public static async Task<string?> StopAsync(IProcessRunner runner, string unit)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var argv = Stop(unit);
        try
        {
            var stopped = await runner.RunAsync(argv, StopGrace + TimeSpan.FromSeconds(30), CancellationToken.None);
            return stopped.Succeeded || NothingToStop(stopped.ExitCode, stopped.StandardError) ? null
                : $"{string.Join(' ', argv)} failed (exit {stopped.ExitCode}): {stopped.StandardError.Trim()}";
        }
        catch (Exception e) when (e is TimeoutException or IOException)
        {
            return $"{string.Join(' ', argv)} failed: {e.Message}";
        }
    }

    private static string Escape(string text, bool colon)
    {
        var escaped = new StringBuilder();
        foreach (var c in Encoding.UTF8.GetBytes(text))
        {
            if (char.IsAsciiLetterOrDigit((char)c) || c is (byte)'_' or (byte)'.' or (byte)'-' || (colon && c == (byte)':'))
                escaped.Append((char)c);
            else
                escaped.Append(CultureInfo.InvariantCulture, $"\\x{c:x2}");
        }
        return escaped.ToString();
    }

    private static string Seconds(TimeSpan span) => ((long)Math.Ceiling(span.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
