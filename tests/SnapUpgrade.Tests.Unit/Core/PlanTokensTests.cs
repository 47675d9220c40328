using SnapUpgrade.Core.Engine;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Unit.Core;

public sealed class PlanTokensTests
{
    private static readonly DateTimeOffset Time = new(2026, 12, 1, 17, 30, 5, 999, TimeSpan.Zero);
    private static readonly byte[] Seed = [.. Enumerable.Range(1, GeneratedValues.SeedLength).Select(i => (byte)i)];

    private static Plan PlanOf(params string[][] argvs)
    {
        var plan = new Plan();
        foreach (var argv in argvs) plan.Add("step", argv, _ => Task.CompletedTask, new UndoNothing());
        return plan;
    }

    [Fact]
    public void Generated_SameTimeAndSeed_DrawTheSameValuesInOrder()
    {
        var first = new GeneratedValues(Time, Seed);
        var second = new GeneratedValues(Time, Seed);

        var drawn = new[] { first.NewUuid().ToString(), first.NewSuffix(), first.Timestamp() };

        Assert.Equal(drawn, new[] { second.NewUuid().ToString(), second.NewSuffix(), second.Timestamp() });
        Assert.Equal("20261201-173005", drawn[2]);
        Assert.NotEqual(drawn[0][..8], drawn[1]); // each draw is new
        Assert.Equal('4', drawn[0][14]); // a version 4 uuid, as Guid.NewGuid makes
    }

    [Fact]
    public void Generated_AnotherSeed_DrawsOtherValues()
    {
        var other = (byte[])Seed.Clone();
        other[0] ^= 1;

        Assert.NotEqual(new GeneratedValues(Time, Seed).NewUuid(), new GeneratedValues(Time, other).NewUuid());
        Assert.NotEqual(GeneratedValues.Fresh(TimeProvider.System).NewUuid(), GeneratedValues.Fresh(TimeProvider.System).NewUuid());
    }

    [Fact]
    public void Read_AnIssuedToken_GivesBackItsTimeSeedAndHash()
    {
        var tokens = new PlanTokens();
        var hash = PlanTokens.Hash(new SnapshotBe("be1"), PlanOf(["zfs", "snapshot", "p/ROOT/be1@x"]));

        var read = tokens.Read(tokens.Issue(new GeneratedValues(Time, Seed), hash));

        Assert.NotNull(read);
        Assert.Equal(Time.AddMilliseconds(-999), read.Value.Generated.Time);
        Assert.Equal(Seed, read.Value.Generated.Seed.ToArray());
        Assert.Equal(hash, read.Value.PlanHash);
    }

    [Fact]
    public void Read_AnyBitOfTheTokenChanged_IsRefused()
    {
        var tokens = new PlanTokens();
        var token = tokens.Issue(new GeneratedValues(Time, Seed), new byte[32]);
        var bytes = System.Buffers.Text.Base64Url.DecodeFromChars(token);
        var accepted = new List<int>();

        for (var bit = 0; bit < bytes.Length * 8; bit++)
        {
            var changed = (byte[])bytes.Clone();
            changed[bit / 8] ^= (byte)(1 << (bit % 8));
            if (tokens.Read(System.Buffers.Text.Base64Url.EncodeToString(changed)) is not null) accepted.Add(bit);
        }

        Assert.Empty(accepted);
    }

    [Theory]
    [InlineData("")]
    [InlineData("x")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("%00")]
    public void Read_Garbage_IsRefusedWithoutThrowing(string garbage) => Assert.Null(new PlanTokens().Read(garbage));

    [Fact]
    public void Read_ATokenOfAnotherEngine_IsRefused()
    {
        var token = new PlanTokens().Issue(new GeneratedValues(Time, Seed), new byte[32]);

        Assert.Null(new PlanTokens().Read(token));
    }

    [Fact]
    public void Hash_TextMovedBetweenArguments_Differs()
    {
        var operation = new SnapshotBe("be1");

        Assert.NotEqual(PlanTokens.Hash(operation, PlanOf(["zfs", "set a"])), PlanTokens.Hash(operation, PlanOf(["zfs set", "a"])));
        Assert.NotEqual(PlanTokens.Hash(operation, PlanOf(["zfs"], ["set"])), PlanTokens.Hash(operation, PlanOf(["zfs", "set"])));
        Assert.NotEqual(PlanTokens.Hash(operation, PlanOf(["zfs"])), PlanTokens.Hash(new SnapshotBe("be2"), PlanOf(["zfs"])));
        Assert.Equal(PlanTokens.Hash(operation, PlanOf(["zfs", "set"])), PlanTokens.Hash(new SnapshotBe("be1"), PlanOf(["zfs", "set"])));
    }
}
