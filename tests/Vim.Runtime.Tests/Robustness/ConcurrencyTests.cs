using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>Concurrent Forward calls on one CPU model give exactly the sequential results.</summary>
public class ConcurrencyTests
{
    [Fact]
    public void ConcurrentForwards_OnOneModel_MatchSequentialResults()
    {
        // A fresh model: the first calls race to build the packed-weight caches, which is what this must survive.
        var model = Models.Create("vim_digits_patch8_32", overrides: new ModelOverrides { Seed = 3 });
        var inputs = Enumerable.Range(0, 8).Select(i =>
        {
            var random = new Random(i);
            return Enumerable.Range(0, 2 * 3 * 32 * 32).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        }).ToArray();

        var concurrent = new float[inputs.Length][];
        Parallel.For(0, inputs.Length * 4, new ParallelOptions { MaxDegreeOfParallelism = 8 }, k =>
        {
            int i = k % inputs.Length;
            using var x = Tensor.FromArray(inputs[i], 2, 3, 32, 32);
            using var y = model.Forward(x);
            var values = y.ToArray();
            lock (concurrent)
            {
                if (concurrent[i] is null) concurrent[i] = values;
                else Assert.Equal(concurrent[i], values);
            }
        });

        for (int i = 0; i < inputs.Length; i++)
        {
            using var x = Tensor.FromArray(inputs[i], 2, 3, 32, 32);
            using var y = model.Forward(x);
            Assert.Equal(y.ToArray(), concurrent[i]);
        }
    }
}
