using SnapUpgrade.Infra.Zfs;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Infra;

/// <summary>
/// <c>zpool events -H -v</c> as OpenZFS prints it (cmd/zpool/zpool_main.c: zpool_do_events_short and
/// zpool_do_events_nvprint; the history event's pairs from module/zfs/spa_history.c and zfs_fm.c, in
/// the order they are added): a 30-character time, a tab, the class; each pair indented by 8 spaces,
/// strings in quotes as they are, numbers in hex, <c>time</c> as two hex numbers each followed by a space.
/// </summary>
public sealed class ZpoolEventReaderTests
{
    internal static string History(ulong eid, string internalName, string dataset, string str = " ", string pool = "su1") => string.Join('\n',
        $"Dec  2 2026 20:41:07.123456789\tsysevent.fs.zfs.history_event",
        "        version = 0x0",
        "        class = \"sysevent.fs.zfs.history_event\"",
        $"        pool = \"{pool}\"",
        "        pool_guid = 0x5a3e0c1f2b4d6e78",
        "        pool_state = 0x0",
        "        pool_context = 0x0",
        "        history_hostname = \"guest\"",
        $"        history_dsname = \"{dataset}\"",
        $"        history_internal_str = \"{str}\"",
        $"        history_internal_name = \"{internalName}\"",
        "        history_dsid = 0x186",
        "        history_txg = 0x2b",
        "        history_time = 0x6951ce43",
        "        time = 0x6951ce43 0x75bcd15 ",
        $"        eid = 0x{eid:x}",
        "",
        "");

    private static readonly string Checksum = string.Join('\n',
        "Dec  2 2026 20:41:09.000000042\tereport.fs.zfs.checksum",
        "        class = \"ereport.fs.zfs.checksum\"",
        "        ena = 0x2b0e9d7a3b00001",
        "        detector = (embedded nvlist)",
        "                version = 0x0",
        "                scheme = \"zfs\"",
        "                pool = 0x5a3e0c1f2b4d6e78",
        "        (end detector)",
        "        pool = \"su1\"",
        "        zio_err = 0x34",
        "        bad_ranges = 0x0 0x200 ",
        "        time = 0x6951ce45 0x2a ",
        "        eid = 0x1d",
        "",
        "");

    [Fact]
    public void ReadAll_AHistoryEvent_ReadsItsClassNumberPoolTimeAndWhatWasDoneToWhich()
    {
        var read = Assert.Single(ZpoolEventReader.ReadAll(History(0x1b, "snapshot", "su1/ROOT/be1@hand")));

        Assert.Equal(new ZpoolEvent(ZpoolEvent.HistoryClass, 0x1b, "su1",
            DateTimeOffset.FromUnixTimeSeconds(0x6951ce43).AddTicks(123456789 / 100), "snapshot", "su1/ROOT/be1@hand"), read);
        Assert.True(read.IsHistory);
    }

    [Fact]
    public void ReadAll_AFaultReportWithAnEmbeddedList_ReadsThePoolOfTheEventNotOfTheDetector()
    {
        var read = Assert.Single(ZpoolEventReader.ReadAll(Checksum));

        Assert.Equal(("ereport.fs.zfs.checksum", 0x1dUL, "su1", true), (read.Class, read.Eid, read.Pool, read.IsErrorReport));
    }

    [Fact]
    public void ReadAll_ValueWithALineBreak_KeepsItAndReadsThePairsAfterIt()
    {
        var text = History(7, "set", "su1/ROOT/be1", "org.snapupgrade:note=line one\nline two");

        var read = Assert.Single(ZpoolEventReader.ReadAll(text));

        Assert.Equal(("set", "su1/ROOT/be1", 7UL), (read.HistoryName, read.HistoryDataset, read.Eid));
    }

    [Fact]
    public void Read_AnEmptyLineInsideAValue_EndsThatEventWithoutNumberAndSkipsToTheNextEvent()
    {
        var text = History(8, "set", "su1/ROOT/be1", "org.snapupgrade:note=one\n\n        eid = 0x1\ntwo") + History(9, "destroy", "su1/ROOT/be2");

        var events = ZpoolEventReader.ReadAll(text);

        Assert.Equal(2, events.Count);
        Assert.Null(events[0].Eid); // cut short: its reader treats it as an unknown change
        Assert.Equal(("destroy", 9UL), (events[1].HistoryName, events[1].Eid));
    }

    [Fact]
    public void Read_LineByLine_GivesEachEventAtItsEmptyLine()
    {
        var reader = new ZpoolEventReader();
        var lines = (History(1, "create", "su1/a") + "dropped 3 events\n" + Checksum).Split('\n');

        var events = lines.Select(reader.Read).ToList();

        var ends = events.Select((e, i) => (e, i)).Where(p => p.e is not null).ToList();
        Assert.Equal(3, ends.Count);
        Assert.Equal((16, "create"), (ends[0].i, ends[0].e!.HistoryName)); // the empty line after eid
        Assert.True(ends[1].e!.IsDropped);
        Assert.Equal("ereport.fs.zfs.checksum", ends[2].e!.Class);
    }

    [Fact]
    public void ReadAll_NothingBuffered_NoEvents()
    {
        Assert.Empty(ZpoolEventReader.ReadAll(""));
    }
}
