using System.Runtime.CompilerServices;
using System.Threading.Channels;
using SnapUpgrade.Core.Engine;

namespace SnapUpgrade.Infra.Host;

/// <summary>
/// Several <see cref="IHostChanges"/> followed as one (the pool's events and the mount table): it follows
/// once all of them do (one <see cref="HostChange.IsResumed"/>, when the last says so), and ends, or
/// throws, as soon as any of them does (the others are stopped): following half of the host is not following it.
/// </summary>
public sealed class MergedHostChanges(params IReadOnlyList<IHostChanges> parts) : IHostChanges
{
    public async IAsyncEnumerable<HostChange> FollowAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateUnbounded<HostChange>();
        var pumps = parts.Select(part => PumpAsync(part, channel.Writer, stop.Token)).ToList();
        var resumed = 0;
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(ct))
            {
                if (!change.IsResumed) yield return change;
                else if (++resumed == parts.Count) yield return change;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(pumps);
        }
    }

    /// <summary>Copies one part's changes; when it ends, the merged stream ends with it (with its exception, if any).</summary>
    private static async Task PumpAsync(IHostChanges part, ChannelWriter<HostChange> writer, CancellationToken ct)
    {
        try
        {
            await foreach (var change in part.FollowAsync(ct).WithCancellation(ct))
                await writer.WriteAsync(change, ct);
            writer.TryComplete(new EndOfStreamException($"{part.GetType().Name} stopped following"));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            writer.TryComplete(ex);
        }
    }
}
