using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Modules;

/// <summary>Parameter.Derived: a backend's derived form is made once per value and made again when the value changes.</summary>
public class ParameterDerivedTests
{
    private static Parameter Weight() => new("w", new Shape(2, 3), ParameterInit.Zeros, Device.Cpu, isBuffer: false);

    [Fact]
    public void TheFormIsMadeOnceWhileTheValueIsUnchanged()
    {
        var p = Weight();
        int made = 0;
        object first = p.Derived(_ => { made++; return new object(); });
        object second = p.Derived(_ => { made++; return new object(); });
        Assert.Same(first, second);
        Assert.Equal(1, made);
    }

    [Fact]
    public void ANewValueOrAnInPlaceChangeMakesItAgain()
    {
        var p = Weight();
        float[] Sum(Parameter q) => [q.Value.Span.ToArray().Sum()];
        Assert.Equal(0f, p.Derived(Sum)[0]);

        p.Value = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(21f, p.Derived(Sum)[0]);

        p.Value.Span[0] = 11;
        Assert.Equal(21f, p.Derived(Sum)[0]); // not yet told
        p.MarkChanged();
        Assert.Equal(31f, p.Derived(Sum)[0]);
    }

    [Fact]
    public void AFormTheBackendRejectsOrOfAnotherTypeIsReplaced()
    {
        var p = Weight();
        var kept = p.Derived(_ => new List<int> { 1 });
        Assert.Same(kept, p.Derived(_ => new List<int> { 2 }, usable: _ => true));
        var remade = p.Derived(_ => new List<int> { 3 }, usable: _ => false);
        Assert.Equal([3], remade);
        // Another backend's form (another type) in the slot: this one makes its own.
        Assert.Equal("four", p.Derived(_ => "four"));
        Assert.Equal([5], p.Derived(_ => new List<int> { 5 }));
    }

    private sealed class Resource : IDisposable
    {
        public int Disposals { get; private set; }

        public void Dispose() => Disposals++;
    }

    [Fact]
    public void AReplacedFormIsDisposedAtOnceAndAKeptOneIsNot()
    {
        var p = Weight();
        var first = p.Derived(_ => new Resource());
        Assert.Same(first, p.Derived(_ => new Resource()));
        Assert.Equal(0, first.Disposals);

        p.MarkChanged();
        Assert.Equal(1, first.Disposals);
        var second = p.Derived(_ => new Resource());

        p.Value = Tensor.FromArray([1, 2, 3, 4, 5, 6], 2, 3);
        Assert.Equal(1, second.Disposals);
        var third = p.Derived(_ => new Resource());

        var fourth = p.Derived(_ => new Resource(), usable: _ => false);
        Assert.Equal(1, third.Disposals);
        Assert.Equal(0, fourth.Disposals);
        Assert.Equal(1, first.Disposals); // each once
    }

    [Fact]
    public void AMakerThatFailsLeavesTheCachedFormAlone()
    {
        // The slot is cleared only once the new form exists.
        var p = Weight();
        var old = p.Derived(_ => new Resource());
        p.MarkChanged();
        var again = p.Derived(_ => new Resource());
        Assert.Throws<InvalidOperationException>(() => p.Derived<Resource>(_ => throw new InvalidOperationException("make failed"), usable: _ => false));
        Assert.Equal(0, again.Disposals);
        Assert.Same(again, p.Derived(_ => new Resource()));
        Assert.Equal(1, old.Disposals);

        // A maker that hands back the form it found keeps it alive.
        var kept = p.Derived(q => (Resource)q.BackendCache!, usable: _ => false);
        Assert.Same(again, kept);
        Assert.Equal(0, kept.Disposals);
    }
}
