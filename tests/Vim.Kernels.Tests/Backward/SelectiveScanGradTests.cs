// The scan backward against the float64 reference (every state stored) and against central differences of the float64
// loss, on ragged shapes: channel counts off the 8-lane groups and the 4-group tasks, lengths around the 64-step chunks,
// strided layouts whose gaps must stay untouched, every order (forward, reversed, a VMamba-like permutation).
using Vim.Kernels.Cpu;

namespace Vim.Kernels.Tests.Backward;

[Collection(GlobalThreadingCollection.Name)]
public class SelectiveScanGradTests
{
    public static TheoryData<int, int, int, int, string> Shapes => new()
    {
        { 1, 1, 1, 1, "forward" },
        { 1, 7, 5, 3, "reverse" },
        { 2, 64, 8, 4, "forward" },
        { 1, 65, 13, 16, "permuted" },
        { 2, 130, 40, 2, "reverse" },
        { 1, 197, 24, 8, "forward" },
        { 3, 31, 33, 1, "permuted" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradients_MatchTheFloat64Reference(int batch, int length, int channels, int state, string order)
    {
        foreach (var (gate, skip, bias, softplus) in new[] { (true, true, true, true), (false, false, false, false), (false, true, true, true) })
        {
            var s = ScanCase.Random(batch, length, channels, state, seed: batch * 1000 + length * 10 + channels, gate, skip, bias, softplus, order, pad: 3);
            var (du, draw, dA, dbc, dD, dBias, dz) = Run(s, seed: 7);
            var r = s.Gradients();
            string what = $"B={batch} L={length} E={channels} N={state} {order} gate={gate} skip={skip} bias={bias} softplus={softplus}";
            const double Bound = 2e-5;
            GradCheck.Near(r.Du, du, Bound, "du " + what);
            GradCheck.Near(r.DRaw, draw, Bound, "dΔ " + what);
            GradCheck.Near(r.DA, dA, Bound, "dA " + what);
            GradCheck.Near(r.DBC, dbc, Bound, "dB/dC " + what);
            if (skip) GradCheck.Near(r.DD, dD, Bound, "dD " + what);
            if (bias) GradCheck.Near(r.DBias, dBias, Bound, "dbias " + what);
            if (gate) GradCheck.Near(r.Dz, dz, Bound, "dz " + what);
        }
    }

    [Fact]
    public void Gradients_AgreeWithCentralDifferences()
    {
        var s = ScanCase.Random(2, 70, 11, 3, seed: 5, gate: true, skip: true, bias: true, softplus: true, "permuted", pad: 1);
        var (du, draw, dA, dbc, dD, dBias, dz) = Run(s, seed: 3);
        GradCheck.AgainstFiniteDifferences(s.Loss, s.U, du, "du");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.Raw, draw, "dΔ");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.A, dA, "dA");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.B, dbc, "dB/dC");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.D, dD, "dD");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.Bias, dBias, "dbias");
        GradCheck.AgainstFiniteDifferences(s.Loss, s.Z, dz, "dz");
    }

    [Fact]
    public void Gradients_DoNotDependOnTheThreadCount()
    {
        var s = ScanCase.Random(2, 150, 72, 16, seed: 9, gate: true, skip: true, bias: true, softplus: true, "forward", pad: 0);
        int saved = KernelThreading.MaxDegreeOfParallelism;
        try
        {
            KernelThreading.MaxDegreeOfParallelism = 1;
            var one = Run(s, seed: 1);
            KernelThreading.MaxDegreeOfParallelism = 4;
            var four = Run(s, seed: 1);
            Assert.Equal(one.Du, four.Du);
            Assert.Equal(one.DBC, four.DBC);
            Assert.Equal(one.DA, four.DA);
            Assert.Equal(one.DRaw, four.DRaw);
        }
        finally
        {
            KernelThreading.MaxDegreeOfParallelism = saved;
        }
    }

    [Fact]
    public void Positions_ThatAreNotAPermutation_AreRefused()
    {
        var s = ScanCase.Random(1, 9, 16, 2, seed: 4, gate: false, skip: true, bias: true, softplus: true, "forward", pad: 0);
        s.Positions[5] = s.Positions[2];
        var e = Assert.Throws<ArgumentException>(() => Run(s, seed: 1));
        Assert.Contains("position 2 appears twice", e.Message);
        s.Positions[5] = 9;
        Assert.Contains("outside 0..L−1", Assert.Throws<ArgumentException>(() => Run(s, seed: 1)).Message);
    }

    /// <summary>Runs the kernel on accumulators that start from random values; returns what it added (gaps must be untouched).</summary>
    private static (float[] Du, float[] DRaw, float[] DA, float[] DBC, float[] DD, float[] DBias, float[] Dz) Run(ScanCase s, int seed)
    {
        int rows = s.Batch * s.Length, n = s.State;
        float[] F(double[] x) => GradCheck.ToFloat(x);
        float[] bc = F(s.B);
        float[] du0 = TestData.Random(rows * s.Ldu, seed), draw0 = TestData.Random(rows * s.LdDelta, seed + 1), dA0 = TestData.Random(s.Channels * n, seed + 2);
        float[] dbc0 = TestData.Random(rows * s.LdBC, seed + 3), dD0 = TestData.Random(s.Channels, seed + 4), dBias0 = TestData.Random(s.Channels, seed + 5);
        float[] dz0 = TestData.Random(rows * s.Ldz, seed + 6);
        float[] du = (float[])du0.Clone(), draw = (float[])draw0.Clone(), dA = (float[])dA0.Clone(), dbc = (float[])dbc0.Clone();
        float[] dD = (float[])dD0.Clone(), dBias = (float[])dBias0.Clone(), dz = (float[])dz0.Clone();
        SelectiveScanGrad.Backward(s.Batch, s.Length, s.Channels, n, s.Positions, F(s.U), s.Ldu, F(s.Raw), s.LdDelta, s.HasBias ? F(s.Bias) : [], s.Softplus,
            F(s.A), bc, bc.AsSpan(n), s.LdBC, s.HasSkip ? F(s.D) : [], s.HasGate ? F(s.Z) : [], s.Ldz, F(s.G), s.LdOut, s.Scale,
            du, draw, dA, dbc, dbc.AsSpan(n), s.HasSkip ? dD : [], s.HasBias ? dBias : [], s.HasGate ? dz : []);
        AssertGapsUntouched(du, du0, rows, s.Channels, s.Ldu, "du");
        AssertGapsUntouched(draw, draw0, rows, s.Channels, s.LdDelta, "dΔ");
        AssertGapsUntouched(dbc, dbc0, rows, 2 * n, s.LdBC, "dB/dC");
        if (s.HasGate) AssertGapsUntouched(dz, dz0, rows, s.Channels, s.Ldz, "dz");
        else Assert.Equal(dz0, dz);
        return (GradCheck.Added(du, du0), GradCheck.Added(draw, draw0), GradCheck.Added(dA, dA0), GradCheck.Added(dbc, dbc0),
            GradCheck.Added(dD, dD0), GradCheck.Added(dBias, dBias0), GradCheck.Added(dz, dz0));
    }

    private static void AssertGapsUntouched(float[] after, float[] before, int rows, int width, int ld, string what)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int j = width; j < ld; j++)
            {
                Assert.True(after[r * ld + j] == before[r * ld + j], $"{what}: gap element [{r}, {j}] was written");
            }
        }
    }
}
