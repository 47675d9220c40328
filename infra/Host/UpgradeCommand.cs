using System.ComponentModel;
using System.Diagnostics;
using SnapUpgrade.Core.Host;
using SnapUpgrade.Core.Upgrade;
using SnapUpgrade.Infra.Processes;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// <see cref="IUpgradeCommand"/> as a process (ADR 0026): the host's configured argv, checked by
/// <see cref="UpgradeCommandPolicy"/> when it is made, <c>{root}</c> filled with the alternate root's
/// local path. No shell; stdin closed; a clean environment (a fixed PATH, the C locale,
/// <c>DEBIAN_FRONTEND=noninteractive</c>: nothing of the console's own environment reaches the package
/// tool); stdout and stderr read line by line as they come (apt's progress lines end in CR, which
/// counts as a line end). At the time limit or on cancellation the whole process tree is killed and
/// reaped before the call returns. With <see cref="UpgradeRunAs.Unit"/> the same argv and environment run as a
/// transient systemd service (<see cref="UpgradeUnit"/>: outside the installed engine's sandbox), followed
/// through <c>systemd-run --wait --pipe</c>; a stop is <c>systemctl stop</c> of that unit, waited for.
/// </summary>
public sealed class UpgradeCommand : IUpgradeCommand
{
    /// <summary>The environment every run gets, and nothing else.</summary>
    public static readonly IReadOnlyDictionary<string, string> Environment = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["LC_ALL"] = "C",
        ["LANG"] = "C",
        ["HOME"] = "/root",
        ["TERM"] = "dumb",
        ["DEBIAN_FRONTEND"] = "noninteractive",
    };

    private readonly HostPaths _paths;
    private readonly TimeSpan _limit;
    private readonly TimeProvider _time;
    private readonly UpgradeRunAs _runAs;
    private readonly IProcessRunner _runner;
    private readonly string? _pool;

    /// <param name="pool">The engine's pool: with <see cref="UpgradeRunAs.Unit"/>, part of the run's unit name (<see cref="UpgradeUnit.Name"/>).</param>
    public UpgradeCommand(IReadOnlyList<string> argv, string hostRoot, TimeSpan limit, IEnumerable<string>? extraPrograms = null, TimeProvider? time = null,
        UpgradeRunAs runAs = UpgradeRunAs.Process, IProcessRunner? runner = null, string? pool = null)
    {
        if (runAs == UpgradeRunAs.Unit && string.IsNullOrEmpty(pool))
            throw new ArgumentException("A command run as a unit needs the pool its unit is named after.", nameof(pool));
        if (UpgradeCommandPolicy.Check(argv, extraPrograms) is { } why)
            throw new ArgumentException($"The upgrade command `{string.Join(' ', argv)}` is refused: {why}", nameof(argv));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        Argv = argv;
        _paths = new HostPaths(hostRoot);
        _limit = limit;
        _time = time ?? TimeProvider.System;
        _runAs = runAs;
        _runner = runner ?? new ProcessRunner();
        _pool = pool;
    }

    public IReadOnlyList<string> Argv { get; }

    /// <summary>What runs: the filled argv, inside its <c>systemd-run</c> when it runs as a unit (the unit's name is fixed per BE).</summary>
    public IReadOnlyList<string> Describe(string root, string be)
    {
        var argv = UpgradeCommandPolicy.Fill(Argv, _paths.ToLocal(root), be);
        return UnitOf(be) is { } unit ? UpgradeUnit.SystemdRun([Resolve(argv[0]), .. argv.Skip(1)], Environment, _limit, unit) : argv;
    }

    /// <summary>The unit a run into <paramref name="be"/> has when runs are units; null when they are child processes.</summary>
    public string? UnitOf(string be) => _runAs == UpgradeRunAs.Unit ? UpgradeUnit.Name(_pool!, be) : null;

    public async Task<CommandRun> RunAsync(string root, string be, Action<string> output, CancellationToken ct = default)
    {
        var kept = new UpgradeOutput();
        void Line(string line)
        {
            kept.Add(line);
            output(line);
        }
        var started = _time.GetTimestamp();
        CommandRun Ended(CommandEnd end, int? exit) => new(end, exit, kept.ToString(), kept.Cut, _time.GetElapsedTime(started));

        var unit = UnitOf(be);
        var launched = Describe(root, be);
        using var process = new Process { StartInfo = StartInfo(launched) };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            Line($"cannot run {launched[0]}: {e.Message}");
            return Ended(CommandEnd.NotStarted, null);
        }
        process.StandardInput.Close();
        var stdout = PumpAsync(process.StandardOutput, Line);
        var stderr = PumpAsync(process.StandardError, Line);

        using var limit = new CancellationTokenSource(_limit, _time);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        var end = CommandEnd.Exited;
        try
        {
            await process.WaitForExitAsync(either.Token);
        }
        catch (OperationCanceledException)
        {
            end = ct.IsCancellationRequested ? CommandEnd.Cancelled : CommandEnd.TimedOut;
            if (unit is not null) await StopUnitAsync(unit, process, Line);
            ProcessRunner.Kill(process);
        }
        // The pipes close when the last process holding them is gone (a killed tree, or a child that
        // outlived a parent that exited: that one is not waited for beyond a few seconds).
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None));
        return end == CommandEnd.Exited ? Ended(end, process.ExitCode) : Ended(end, null);
    }

    /// <summary>
    /// Stops the run's unit (systemd ends its whole control group) and waits for systemd-run to see it end, so
    /// nothing of the run is left when the call returns; systemd-run itself is killed afterwards only if it is
    /// still there. A stop that fails is said in the run's output: the unit then ends at its RuntimeMaxSec.
    /// </summary>
    private async Task StopUnitAsync(string unit, Process systemdRun, Action<string> line)
    {
        if (await UpgradeUnit.StopAsync(_runner, unit) is { } failed) line(failed);
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await systemdRun.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            // Killed next, with what is left of its tree.
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> line)
    {
        while (await reader.ReadLineAsync(CancellationToken.None) is { } text)
            line(text);
    }

    /// <summary><see cref="ProcessRunner.StartInfo"/>, with the program found on the run's PATH and only <see cref="Environment"/>.</summary>
    private static ProcessStartInfo StartInfo(IReadOnlyList<string> argv)
    {
        var psi = ProcessRunner.StartInfo(argv);
        psi.FileName = Resolve(argv[0]);
        psi.Environment.Clear();
        foreach (var (key, value) in Environment) psi.Environment[key] = value;
        return psi;
    }

    /// <summary>A bare program name found on the run's own PATH, not the console's.</summary>
    private static string Resolve(string program)
    {
        if (program.Contains('/')) return program;
        foreach (var dir in Environment["PATH"].Split(':'))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return program;
    }
}
