using System.Diagnostics;
using System.Net;

namespace SnapUpgrade.Tests.Support;

/// <summary>Waiting for a console started as a process of its own to serve.</summary>
public static class ProcessAnswers
{
    /// <summary>
    /// Asks <paramref name="path"/> until it answers 200 OK. Fails at once with the process's output when the
    /// process exits, and after <paramref name="limit"/> with it when nothing answered. Returns the time it took.
    /// </summary>
    public static async Task<TimeSpan> UntilOkAsync(Process process, HttpClient client, string path, TimeSpan limit,
        Func<string> output, string what = "the console")
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{what} exited with {process.ExitCode} while starting:\n{output()}");
            if (clock.Elapsed > limit)
                throw new TimeoutException($"{what} did not answer within {limit.TotalSeconds} s:\n{output()}");
            try
            {
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                using var answer = await client.GetAsync(path, probe.Token);
                if (answer.StatusCode == HttpStatusCode.OK) return clock.Elapsed;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(50);
        }
    }
}
