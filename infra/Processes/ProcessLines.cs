using System.Diagnostics;
using System.Runtime.CompilerServices;
using SnapUpgrade.Core.Zfs;

namespace SnapUpgrade.Infra.Processes;

/// <summary>
/// A long-running program's standard output, line by line as it prints them (<c>zpool events -f</c>): argv
/// through <see cref="ProcessStartInfo.ArgumentList"/>, no shell, stdin closed, <c>LC_ALL=C</c>, as
/// <see cref="ProcessRunner"/> runs the programs that end. When the enumeration stops (cancelled, or
/// the caller breaks off) the process is killed and reaped; when the program ends by itself with a
/// non-zero exit, the enumeration throws <see cref="ZfsCommandException"/> with its stderr.
/// </summary>
public static class ProcessLines
{
    public static async IAsyncEnumerable<string> ReadAsync(IReadOnlyList<string> argv, [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (argv.Count == 0) throw new ArgumentException("argv is empty", nameof(argv));
        var psi = ProcessRunner.StartInfo(argv);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        try
        {
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
                yield return line;
            await process.WaitForExitAsync(ct);
            if (process.ExitCode != 0) throw new ZfsCommandException(argv, process.ExitCode, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(TimeSpan.FromSeconds(5)); // reaped: no zombie outlives the follower
                }
                catch (InvalidOperationException)
                {
                    // It exited between the check and the kill.
                }
            }
        }
    }
}
