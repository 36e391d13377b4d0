using Vim.Dsl;
using Vim.Runtime.Devices;
using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Tests.Training;

/// <summary>
/// The CPU backend's backward operations that the kernel tests do not reach: the linear ones by the adjoint identity
/// ⟨g, F(v)⟩ = ⟨Fᵀ(g), v⟩ (exact up to rounding, on ragged shapes), the nonlinear ones by central differences.
/// </summary>
public class BackendBackwardTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;

    private static Tensor Random(int seed, params int[] shape) => EndToEndGradientTests.Random(new Shape(shape), seed);

    private static double Dot(Tensor a, Tensor b)
    {
        Assert.Equal(a.Shape, b.Shape);
        double s = 0;
        var x = a.Span;
        var y = b.Span;
        for (int i = 0; i < x.Length; i++) s += (double)x[i] * y[i];
        return s;
    }

    private static void Same(double a, double b, string what) =>
        Assert.True(Math.Abs(a - b) <= 1e-5 * (1 + Math.Abs(a) + Math.Abs(b)), $"{what}: ⟨g, F(v)⟩ = {a:R}, ⟨Fᵀ(g), v⟩ = {b:R}");

    /// <summary>A free parameter of the given shape (the backward ops accumulate into its gradient).</summary>
    private sealed class Holder : Module
    {
        public Holder(Shape shape, int seed) : base(Device.Cpu)
        {
            P = RegisterParameter("p", shape, ParameterInit.Zeros);
            EndToEndGradientTests.Random(shape, seed).Span.CopyTo(P.Value.Span);
        }

        public Parameter P { get; }
    }

    [Theory]
    [InlineData(1, 1, 1, 0)]
    [InlineData(2, 5, 3, 2)]
    [InlineData(3, 8, 7, 8)]
    public void TokenOps_AreAdjoint(int b, int m, int d, int position)
    {
        using var tokens = Random(1, b, m, d);
        var token = new Holder(new Shape(1, 1, d), 2);
        using var y = Cpu.InsertToken(tokens, token.P.Value, position);
        using var g = Random(3, b, m + 1, d);
        using var dTokens = Cpu.InsertTokenBackward(g, token.P, position);
        Same(Dot(g, y), Dot(dTokens, tokens) + Dot(token.P.Grad!, token.P.Value), "InsertToken");

        int l = m + 1;
        using var x = Random(4, b, l, d);
        using var gRow = Random(5, b, d);
        using (var sel = Cpu.SelectToken(x, position))
        using (var back = Cpu.SelectTokenBackward(gRow, position, l)) Same(Dot(gRow, sel), Dot(back, x), "SelectToken");
        using (var two = Cpu.MeanOfTwoTokens(x, 0, l - 1))
        using (var back = Cpu.MeanOfTwoTokensBackward(gRow, 0, l - 1, l)) Same(Dot(gRow, two), Dot(back, x), "MeanOfTwoTokens");
        using (var mean = Cpu.MeanOverTokens(x))
        using (var back = Cpu.MeanOverTokensBackward(gRow, l)) Same(Dot(gRow, mean), Dot(back, x), "MeanOverTokens");

        // x + pos, as a function of pos: its adjoint sums the gradient over the batch
        var pos = new Holder(new Shape(1, l, d), 6);
        using var g2 = Random(7, b, l, d);
        using var broadcast = Tensor.Zeros(x.Shape, Device.Cpu);
        Cpu.AddBroadcastInPlace(broadcast, pos.P.Value);
        Cpu.AddBroadcastBackward(g2, pos.P);
        Same(Dot(g2, broadcast), Dot(pos.P.Grad!, pos.P.Value), "AddBroadcast");
    }

    private static Tensor TrainCopy(Tensor x)
    {
        var y = Tensor.Empty(x.Shape, x.Device);
        x.CopyTo(y);
        return y;
    }

    [Theory]
    [InlineData(2, 17, 8, 4)]
    [InlineData(1, 16, 12, 4)]
    public void Rope_IsAdjoint(int b, int l, int d, int grid)
    {
        var rope = new RotaryEmbedding2d(d, 14, grid, Device.Cpu);
        using var x = Random(1, b, l, d);
        using var g = Random(2, b, l, d);
        using var rotated = rope.Apply(x);
        using var back = TrainCopy(g);
        rope.BackwardInPlace(back);
        Same(Dot(g, rotated), Dot(back, x), "RoPE");
    }

    [Theory]
    [InlineData(2, 5, 7, 3)]
    [InlineData(1, 4, 6, 8)]
    public void MapOps_AreAdjoint(int b, int h, int w, int c)
    {
        using var x = Random(1, b, h, w, c);
        using (var merged = Cpu.PatchMerge(x))
        using (var g = Random(2, merged.Shape.ToArray()))
        using (var back = Cpu.PatchMergeBackward(g, h, w)) Same(Dot(g, merged), Dot(back, x), "PatchMerge");
        using (var g = Random(3, b, c))
        using (var mean = Cpu.MeanOverPositions(x))
        using (var back = Cpu.MeanOverPositionsBackward(g, h, w)) Same(Dot(g, mean), Dot(back, x), "MeanOverPositions");
        var pos = new Holder(new Shape(1, c, h, w), 4);
        using (var g = Random(5, b, h, w, c))
        using (var broadcast = Tensor.Zeros(x.Shape, Device.Cpu))
        {
            Cpu.AddChannelFirstInPlace(broadcast, pos.P.Value);
            Cpu.AddChannelFirstBackward(g, pos.P);
            Same(Dot(g, broadcast), Dot(pos.P.Grad!, pos.P.Value), "AddChannelFirst");
        }
        using (var slice = Cpu.SliceChannels(x, 1, c - 1 > 0 ? c - 1 : 1))
        using (var g = Random(6, slice.Shape.ToArray()))
        using (var back = Tensor.Zeros(x.Shape, Device.Cpu))
        {
            Cpu.AddChannelsInPlace(back, g, 1);
            Same(Dot(g, slice), Dot(back, x), "SliceChannels");
        }
    }

    [Fact]
    public void DirectionProjections_AreAdjointInTheirInput()
    {
        const int B = 2, H = 3, W = 5, D = 12, R = 2, N = 3, K = 4;
        var xProj = new Holder(new Shape(K, R + 2 * N, D), 1);
        var dtProjs = new Holder(new Shape(K, D, R), 2);
        using var u = Random(3, B, H, W, D);
        var (proj, delta) = Cpu.DirectionProjections(u, xProj.P, dtProjs.P);
        using (proj)
        using (delta)
        using (var gProj = Random(4, proj.Shape.ToArray()))
        using (var gDelta = Random(5, delta.Shape.ToArray()))
        using (var dU = Tensor.Zeros(u.Shape, Device.Cpu))
        {
            double onProj = Dot(gProj, proj), onDelta = Dot(gDelta, delta);
            using var dProj = TrainCopy(gProj);
            Cpu.DirectionProjectionsBackward(u, proj, dProj, gDelta, xProj.P, dtProjs.P, dU);
            // Euler's identity: ⟨∇θ F, θ⟩ = k·F for F homogeneous of degree k in θ. proj is linear in u and in x_proj;
            // Δraw is linear in u, in x_proj and in dt_projs.
            Same(onProj + onDelta, Dot(dU, u), "DirectionProjections ∂/∂u");
            Same(onProj + onDelta, Dot(xProj.P.Grad!, xProj.P.Value), "DirectionProjections ∂/∂x_proj");
            Same(onDelta, Dot(dtProjs.P.Grad!, dtProjs.P.Value), "DirectionProjections ∂/∂dt_projs");
        }
    }

    [Fact]
    public void NonlinearOps_MatchCentralDifferences()
    {
        // max over tokens: distinct values, so each maximum is strict and the function is smooth at this point
        using var x = Random(1, 2, 6, 5);
        using var g = Random(2, 2, 5);
        using var back = Cpu.MaxOverTokensBackward(x, g);
        CheckDirectional(x, back, () =>
        {
            using var m = Cpu.MaxOverTokens(x);
            return Dot(g, m);
        }, "MaxOverTokens");

        using var map = Random(3, 2, 3, 4, 5);
        using var gm = Random(4, 2, 3, 4, 5);
        using var soft = TrainCopy(map);
        Cpu.SpatialSoftmaxInPlace(soft);
        using var dMap = Cpu.SpatialSoftmaxBackward(soft, gm);
        CheckDirectional(map, dMap, () =>
        {
            using var s = TrainCopy(map);
            Cpu.SpatialSoftmaxInPlace(s);
            return Dot(gm, s);
        }, "SpatialSoftmax");

        using var act = Random(5, 4, 9);
        using var ga = Random(6, 4, 9);
        foreach (var activation in new[] { ActLayer.Gelu, ActLayer.Silu, ActLayer.Sigmoid })
        {
            using var dAct = Cpu.ActivationBackward(act, ga, activation);
            CheckDirectional(act, dAct, () =>
            {
                using var a = TrainCopy(act);
                Cpu.ActivationInPlace(a, activation);
                return Dot(ga, a);
            }, activation.ToString());
        }
    }

    private static void CheckDirectional(Tensor x, Tensor grad, Func<double> f, string what)
    {
        var direction = Random(99, x.Shape.ToArray());
        double expected = Dot(grad, direction);
        var keep = x.Span.ToArray();
        const float H = 1e-3f;
        for (int i = 0; i < keep.Length; i++) x.Span[i] = keep[i] + H * direction.Span[i];
        double plus = f();
        for (int i = 0; i < keep.Length; i++) x.Span[i] = keep[i] - H * direction.Span[i];
        double minus = f();
        keep.CopyTo(x.Span);
        double fd = (plus - minus) / (2 * H);
        Assert.True(Math.Abs(fd - expected) <= 1e-3 * (1 + Math.Abs(expected)), $"{what}: g·d = {expected:R}, central difference {fd:R}");
    }
}
