using System.ComponentModel;
using System.Diagnostics;

namespace SnapUpgrade.Infra.Processes;

/// <summary>
/// <see cref="IProcessRunner"/> over <see cref="System.Diagnostics.Process"/>: argv through
/// <see cref="ProcessStartInfo.ArgumentList"/>, no shell, stdin closed, and <c>LC_ALL=C</c> so the
/// messages we match on (busy, read-only, unrecognized command) read the same on every host.
/// </summary>
public sealed class ProcessRunner(TimeSpan? defaultTimeout = null) : IProcessRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private readonly TimeSpan _defaultTimeout = defaultTimeout ?? DefaultTimeout;

    public async Task<ProcessResult> RunAsync(IReadOnlyList<string> argv, TimeSpan? timeout = null,
        CancellationToken ct = default)
    {
        if (argv.Count == 0) throw new ArgumentException("argv is empty", nameof(argv));
        ct.ThrowIfCancellationRequested();

        var psi = StartInfo(argv);
        using var process = Start(psi);
        // Nothing we run reads stdin; closing it makes a prompt fail instead of hang.
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);

        using var timeoutCts = new CancellationTokenSource(timeout ?? _defaultTimeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeoutCts.Token);
        try
        {
            await process.WaitForExitAsync(linked.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            ct.ThrowIfCancellationRequested();
            throw new TimeoutException($"`{string.Join(' ', argv)}` did not finish within {timeout ?? _defaultTimeout}");
        }
        return new ProcessResult(argv, process.ExitCode, await stdout, await stderr);
    }

    private static System.Diagnostics.Process Start(ProcessStartInfo psi)
    {
        try
        {
            return System.Diagnostics.Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        }
        catch (Win32Exception e)
        {
            // The usual cause is a missing program; say which one instead of "No such file or directory".
            throw new FileNotFoundException($"cannot run {psi.FileName}: {e.Message} (PATH={Environment.GetEnvironmentVariable("PATH")})", psi.FileName, e);
        }
    }

    /// <summary>Kills the process and all its children, and reaps it (bounded): no zombie outlives the call.</summary>
    internal static void Kill(System.Diagnostics.Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            // Reap it so no zombie outlives the call; bounded, a killed process exits at once.
            process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // It exited between the cancellation and the kill: nothing left to stop.
        }
    }

    /// <summary>
    /// How every program is started: argv as given (no shell), stdin, stdout and stderr redirected, and the
    /// C locale (zfs's messages are matched by their text).
    /// </summary>
    internal static ProcessStartInfo StartInfo(IReadOnlyList<string> argv)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in argv.Skip(1)) psi.ArgumentList.Add(arg);
        psi.Environment["LC_ALL"] = "C";
        return psi;
    }
}
