using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Json;

namespace SnapUpgrade.Tests.Api.Hosts;

/// <summary>Every Serilog event of the host, rendered with its properties (the JSON form holds them all).</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<string> _events = new();
    private readonly JsonFormatter _formatter = new(renderMessage: true);

    public void Emit(LogEvent logEvent)
    {
        using var writer = new StringWriter();
        _formatter.Format(logEvent, writer);
        _events.Enqueue(writer.ToString());
    }

    public IReadOnlyList<string> Events => [.. _events];

    /// <summary>The last errors the host logged (what a 500 says "its log has the details" of), one a line.</summary>
    public string LastErrors(int count = 3) =>
        string.Join('\n', Events.Where(e => e.Contains("\"Level\":\"Error\"", StringComparison.Ordinal)
            || e.Contains("\"Level\":\"Fatal\"", StringComparison.Ordinal)).TakeLast(count));
}
