using SnapUpgrade.Core.Lab;
using SnapUpgrade.Core.Operations;
using Xunit;

namespace SnapUpgrade.Tests.Scenarios;

/// <summary>The same crashes for a deep BE (children three levels down): the tree ends before or after, never between.</summary>
public abstract partial class CrashRecovery<TBackend>
{

    [Fact]
    public async Task DeepCreate_CrashAtAnyPoint_IsUndoneLeavingNoChildClone()
    {
        await CrashAtEveryPointAsync(() => new CreateBe("be2"), minimumPoints: 9, setup: () => Lab.DeepenAsync());

        Assert.Equal(LabBootstrap.DeepChildren, (await Lab.StateAsync()).Find("be2")!.Children.Select(c => c.RelativeName));
    }

    [Fact]
    public async Task DeepActivate_CrashAtAnyPoint_IsUndoneLeavingEveryChildAClone()
    {
        await CrashAtEveryPointAsync(() => new ActivateBe("be2"), minimumPoints: 6, setup: async () =>
        {
            await Lab.DeepenAsync();
            await Lab.MustAsync(new CreateBe("be2"));
        });

        Assert.All((await Lab.StateAsync()).Find("be2")!.Children, c => Assert.Null(c.Origin));
    }

    [Fact]
    public async Task DeepMount_CrashAtAnyPoint_IsUndoneLeavingNoChildMounted()
    {
        await CrashAtEveryPointAsync(() => new MountBe("be2"), minimumPoints: 9, setup: async () =>
        {
            await Lab.DeepenAsync();
            await Lab.MustAsync(new CreateBe("be2"));
        });

        await Lab.MustAsync(new UnmountBe("be2"));
    }

    [Fact]
    public async Task DeepDestroy_CrashAtAnyPoint_IsUndoneOrFinishedKeepingTheDeepClone()
    {
        await CrashAtEveryPointAsync(() => new DestroyBe("be2"), minimumPoints: 7, setup: async () =>
        {
            await Lab.DeepenAsync();
            await Lab.MustAsync(new CreateBe("be2"));
            await Lab.MustAsync(new CreateBe("be3", Source: "be2"));
        });

        var be3 = (await Lab.StateAsync()).Find("be3")!;
        Assert.Equal(LabBootstrap.DeepChildren, be3.Children.Select(c => c.RelativeName));
    }
}
