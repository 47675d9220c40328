namespace SnapUpgrade.Web.Components.Pages.Upgrades;

/// <summary>One output line of a run, with its number in the run's output (from 0).</summary>
public readonly record struct OutputLine(long Index, string Text);

/// <summary>
/// The last lines of a run's output, at most <see cref="Keep"/>: a package command can print tens of
/// thousands, and every kept line is a DOM node the circuit diffs on each render. The earlier ones stay
/// in the run (and its audit row), not on the page.
/// </summary>
public sealed class OutputLines(int keep = OutputLines.Keep)
{
    public const int Keep = 2000;

    private readonly Queue<OutputLine> _lines = new();

    public IReadOnlyCollection<OutputLine> Kept => _lines;

    /// <summary>How many lines before the first kept one are not shown (dropped here, or not kept by the run).</summary>
    public long Hidden => _lines.Count == 0 ? 0 : _lines.Peek().Index;

    public void Add(long index, string text)
    {
        _lines.Enqueue(new(index, text));
        if (_lines.Count > keep) _lines.Dequeue();
    }
}
