using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using SnapUpgrade.Tests.Support.Layouts;

namespace SnapUpgrade.Scale;

/// <summary>
/// Issue 13's targets, measured (tests/scale/load.sh): for each host, the console started on it, then
/// nobody watching for a window, then the pages opened one after another (each timed), a window with
/// them open, BEs made through the API until every page shows each, then each of them activated and the
/// booted BE again. Timing lives here, never in tests.
/// </summary>
public static class LoadRun
{
    /// <summary>After the start, and after the pages open: the start's reads and the pages' first renders are not the window's.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(LoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!ScaleBrowser.IsAvailable)
        {
            await Console.Error.WriteLineAsync($"Chromium is missing ({ScaleBrowser.ChromiumPath}; apt-get install -y chromium)");
            return 2;
        }
        Say($"load run: {string.Join(", ", options.Hosts)}; {options.Snapshots} snapshots of every BE, {options.Pages} pages, " +
            $"{options.Window.TotalSeconds:F0} s windows; {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        await using var browser = await ScaleBrowser.LaunchAsync();
        var figures = new List<HostFigures>();
        var failed = 0;
        foreach (var spec in options.Hosts)
        {
            try
            {
                figures.Add(await MeasureAsync(spec, options, browser));
                // Each host's column at once: a run cut short keeps what it measured.
                Console.WriteLine(HostFigures.Table([figures[^1]], options.Pages));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failed++;
                Say($"{spec}: FAILED, not in the table: {e}");
            }
        }
        Console.WriteLine();
        Console.WriteLine(HostFigures.Table(figures, options.Pages));
        return failed == 0 ? 0 : 1;
    }

    private static async Task<HostFigures> MeasureAsync(HostSpec spec, LoadOptions options, ScaleBrowser browser)
    {
        Say($"{spec}: laying out {spec.BeCount} BEs x {options.Snapshots} snapshots");
        await using var host = await ScaleHost.CreateAsync(spec.Backend, new ManyBes(spec.BeCount, options.Snapshots));
        var daemon = host.Backend == ScaleHost.ZfsFuse ? ProcStat.ZfsFuseDaemon() : null;
        var figures = new HostFigures { Host = host.ToString(), Build = host.BuildTime };
        if (host.Backend == ScaleHost.ZfsFuse)
        {
            // The daemon is shared (other pools, other tests): what it costs with no console at all.
            Say($"{spec}: built in {host.BuildTime.TotalSeconds:F0} s; the daemon without a console for {options.Window.TotalSeconds / 4:F0} s");
            var alone = ProcStat.CpuWindow.Start(daemon);
            await Task.Delay(options.Window / 4);
            figures = figures with { DaemonWithoutConsole = alone.Share() };
        }

        await using var console = await ScaleConsole.StartAsync(host);
        Say($"{spec}: console started in {console.StartTime.TotalSeconds:F1} s; nobody watching for {options.Window.TotalSeconds:F0} s");
        await console.SettleAsync();
        await Task.Delay(Settle);
        var idle = await WindowAsync(console, daemon, options.Window);
        var rssIdle = ProcStat.RssBytes(console.Pid);
        var heapIdle = await console.LiveHeapAsync();

        Say($"{spec}: opening {options.Pages} pages");
        var pages = new List<BePage>();
        try
        {
            for (var i = 0; i < options.Pages; i++) pages.Add(await browser.OpenAsync(console));
            var shown = $"{await pages[0].RowsAsync()} rows, {await pages[0].RangeAsync()}";
            Say($"{spec}: {options.Pages} pages open ({shown}) for {options.Window.TotalSeconds:F0} s");
            await Task.Delay(Settle);
            var watched = await WindowAsync(console, daemon, options.Window);
            var rssPages = ProcStat.RssBytes(console.Pid);
            var heapPages = await console.LiveHeapAsync();

            // One BE at a time, each until every page shows it, a pause between them (the pages settle).
            var answered = new List<TimeSpan>();
            var inAll = new List<TimeSpan>();
            var made = new List<string>();
            for (var i = 0; i < options.Creates; i++)
            {
                if (i > 0) await Task.Delay(Settle);
                var be = $"load-{Guid.NewGuid():N}"[..12];
                var posted = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                using (var answer = await console.Api.PostAsJsonAsync("api/v1/bes", new { name = be, description = "made by the load run" }))
                {
                    if (!answer.IsSuccessStatusCode)
                        throw new InvalidOperationException($"POST api/v1/bes: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                }
                answered.Add(clock.Elapsed);
                made.Add(be);
                var shownAt = await Task.WhenAll(pages.Select(p => p.ShowsAsync(be)));
                inAll.Add(ScaleBrowser.Since(posted, shownAt.Max()));
            }

            // Then each made BE activated in turn (a promote: it takes its origin's snapshots), and be1, the
            // booted one, again last (it takes them all back), each timed until the API answered.
            var activated = new List<TimeSpan>();
            foreach (var be in made.Append("be1"))
            {
                await Task.Delay(Settle);
                var clock = Stopwatch.StartNew();
                using var answer = await console.Api.PostAsJsonAsync($"api/v1/bes/{be}/activate", new { });
                if (!answer.IsSuccessStatusCode)
                    throw new InvalidOperationException($"POST api/v1/bes/{be}/activate: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                activated.Add(clock.Elapsed);
            }
            return figures with
            {
                Start = console.StartTime,
                Shown = shown,
                ReadsAre = console.ReadsAre,
                Idle = idle,
                Watched = watched,
                FirstRows = [.. pages.Select(p => p.FirstRows)],
                Interactive = [.. pages.Select(p => p.Interactive)],
                Loaded = [.. pages.Select(p => p.Loaded)],
                RssIdle = rssIdle,
                RssPages = rssPages,
                HeapIdle = heapIdle,
                HeapPages = heapPages,
                CreateAnswered = answered,
                VisibleInAll = inAll,
                ActivateAnswered = activated,
            };
        }
        finally
        {
            foreach (var page in pages) await page.DisposeAsync();
        }
    }

    /// <summary>The daemon's and the console's CPU and the console's reads over one window.</summary>
    private static async Task<Window> WindowAsync(ScaleConsole console, int? daemon, TimeSpan length)
    {
        var reads = console.Reads;
        var daemonCpu = ProcStat.CpuWindow.Start(daemon);
        var consoleCpu = ProcStat.CpuWindow.Start(console.Pid);
        await Task.Delay(length);
        return new Window(daemonCpu.Share(), consoleCpu.Share() ?? 0, console.Reads - reads);
    }

    private static void Say(string line) => Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");
}

/// <summary>One measured window: the daemon's CPU (null: no daemon), the console's CPU (shares of one core), its reads.</summary>
public sealed record Window(double? Daemon, double Console, int Reads);

/// <summary>What one host measured.</summary>
public sealed record HostFigures
{
    public required string Host { get; init; }
    public TimeSpan Build { get; init; }
    public TimeSpan Start { get; init; }
    public string ReadsAre { get; init; } = "";
    /// <summary>What the first page showed: the rows in its DOM and the pager's range.</summary>
    public string Shown { get; init; } = "";
    public double? DaemonWithoutConsole { get; init; }
    public Window Idle { get; init; } = new(null, 0, 0);
    public Window Watched { get; init; } = new(null, 0, 0);
    public IReadOnlyList<TimeSpan> FirstRows { get; init; } = [];
    public IReadOnlyList<TimeSpan> Interactive { get; init; } = [];
    /// <summary>Of <see cref="FirstRows"/>: until the document and its scripts were loaded (the rest is the live connection's start and first render).</summary>
    public IReadOnlyList<TimeSpan> Loaded { get; init; } = [];
    public long RssIdle { get; init; }
    public long RssPages { get; init; }
    /// <summary>The live managed heap after a full collection (<see cref="ScaleConsole.LiveHeapAsync"/>), taken after the RSS.</summary>
    public long HeapIdle { get; init; }
    public long HeapPages { get; init; }
    /// <summary>Each create through the API (<see cref="LoadOptions.Creates"/>): until it answered, and until every page showed its BE.</summary>
    public IReadOnlyList<TimeSpan> CreateAnswered { get; init; } = [];
    public IReadOnlyList<TimeSpan> VisibleInAll { get; init; } = [];
    /// <summary>Each made BE activated through the API, then the booted one again: until each answered.</summary>
    public IReadOnlyList<TimeSpan> ActivateAnswered { get; init; } = [];

    /// <summary>A Markdown table: a row per figure, a column per host.</summary>
    public static string Table(IReadOnlyList<HostFigures> hosts, int pages)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var rows = new (string What, Func<HostFigures, string> Value)[]
        {
            ("host built in", h => Seconds(h.Build)),
            ("console start (first read included)", h => Seconds(h.Start)),
            ("zfs-fuse daemon CPU, no console", h => Share(h.DaemonWithoutConsole)),
            ("nobody watching: zfs-fuse daemon CPU", h => Share(h.Idle.Daemon)),
            ("nobody watching: console CPU", h => Share(h.Idle.Console)),
            ("nobody watching: reads in the window", h => $"{h.Idle.Reads} {h.ReadsAre}"),
            ("BE page: rows in the DOM, pager", h => h.Shown),
            ($"{pages} pages: first BE row (min / median / max)", h => Spread(h.FirstRows)),
            ($"{pages} pages: interactive (min / median / max)", h => Spread(h.Interactive)),
            ($"{pages} pages: of that, document and scripts loaded (min / median / max)", h => Spread(h.Loaded)),
            ($"console RSS: 0 / {pages} pages", h => $"{Mib(h.RssIdle)} / {Mib(h.RssPages)}"),
            ($"live managed heap after a full GC: 0 / {pages} pages", h => $"{Mib(h.HeapIdle)} / {Mib(h.HeapPages)}"),
            ($"{pages} pages: zfs-fuse daemon CPU", h => Share(h.Watched.Daemon)),
            ($"{pages} pages: console CPU", h => Share(h.Watched.Console)),
            ($"{pages} pages: reads in the window", h => $"{h.Watched.Reads} {h.ReadsAre}"),
            ("creates through the API, one after another: answered (min / median / max)", h => Spread(h.CreateAnswered)),
            ($"create through the API: visible in all {pages} (min / median / max)", h => Spread(h.VisibleInAll)),
            ("activations through the API, the made BEs then be1: answered (min / median / max)", h => Spread(h.ActivateAnswered)),
        };
        var lines = new List<string>
        {
            $"| what | {string.Join(" | ", hosts.Select(h => h.Host))} |",
            $"|---|{string.Concat(hosts.Select(_ => "---:|"))}",
        };
        lines.AddRange(rows.Select(r => $"| {r.What} | {string.Join(" | ", hosts.Select(r.Value))} |"));
        return string.Join('\n', lines);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds < 1
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalMilliseconds:F0} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F1} s");

    private static string Share(double? share) => share is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s * 100:F1}%") : "-";

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0 / 1024:F0} MiB");

    private static string Spread(IReadOnlyList<TimeSpan> times)
    {
        if (times.Count == 0) return "-";
        var sorted = times.Order().ToList();
        return $"{Seconds(sorted[0])} / {Seconds(sorted[sorted.Count / 2])} / {Seconds(sorted[^1])}";
    }
}
