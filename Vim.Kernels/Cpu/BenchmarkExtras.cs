// Benchmarks of the non-GEMM kernels at the vim_tiny batch-8 shapes: B=8, L=197, D=192, E=384, N=16,
// R=12, K=4, 224×224 images with 16×16 patches.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Vim.Kernels.Cpu;

internal static class BenchmarkExtras
{
    public static void Run(TextWriter output, string? filter)
    {
        bool scanOnly = filter is not null && "scan".Contains(filter, StringComparison.Ordinal);
        const int B = 8, L = 197, D = 192, E = 384, N = 16, R = 12, K = 4;
        int rows = B * L;
        float[] xz = KernelBenchmarks.Random(rows * 2 * E, 1);
        float[] u = new float[rows * E];
        float[] convW = KernelBenchmarks.Random(E * K, 2);
        float[] convB = KernelBenchmarks.Random(E, 3);
        ExpThroughput(output);
        if (!scanOnly)
        {
            Report(output, "conv1d+silu", KernelBenchmarks.Time(() => CausalConv1d.Forward(B, L, E, xz, 2 * E, convW, K, convB, u, false)));
        }

        float[] dt = KernelBenchmarks.Random(rows * E, 4);
        float[] dtBias = KernelBenchmarks.Random(E, 5);
        float[] a = KernelBenchmarks.Random(E * N, 6);
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = -MathF.Exp(2 * a[i]);
        }

        float[] xdbl = KernelBenchmarks.Random(rows * (R + 2 * N), 7);
        float[] dSkip = KernelBenchmarks.Random(E, 8);
        float[] y = new float[rows * E];
        // The softplus cases run the scan as the vim_tiny model does: Δ_raw from x_dbl's first R columns and
        // dt_proj's weight, inside the scan. The bare case keeps a precomputed, positive-or-negative Δ.
        float[] dtWeight = KernelBenchmarks.Random(E * R, 9);
        for (int i = 0; i < dtWeight.Length; i++)
        {
            dtWeight[i] *= 0.3f;
        }

        void ModelScan(int batch, bool accumulate, bool reverse) => SelectiveScan.Forward(batch, L, E, N, u, xdbl, R + 2 * N, dtWeight, R, dtBias, true, a,
            xdbl.AsSpan(R), xdbl.AsSpan(R + N), R + 2 * N, dSkip, xz.AsSpan(E), 2 * E, y, 0.5f, accumulate, reverse);
        double scan = KernelBenchmarks.Time(() => ModelScan(B, false, false));
        Report(output, "scan fwd (z, softplus)", scan);
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = 1;
        (double wall1, double cpu1) = KernelBenchmarks.TimeBoth(() => ModelScan(1, false, false));
        KernelThreading.MaxDegreeOfParallelism = saved;
        output.WriteLine($"scan 1 image 1 thread      : cpu {cpu1,8:F1} us wall {wall1,8:F1} us = {cpu1 * 1e3 / (L * E * N):F2} ns per state update");
        KernelThreading.MaxDegreeOfParallelism = 1;
        double bare = KernelBenchmarks.Time(() => SelectiveScan.Forward(1, L, E, N, u, dt, [], false, a, xdbl.AsSpan(R), xdbl.AsSpan(R + N), R + 2 * N,
            [], [], 0, y, 1f, false, false));
        double batch1T = KernelBenchmarks.Time(() => ModelScan(B, false, false));
        KernelThreading.MaxDegreeOfParallelism = saved;
        output.WriteLine($"scan fwd B=8 1 thread      : cpu {batch1T,8:F1} us = {batch1T * 1e3 / ((double)rows * E * N):F2} ns per state update");
        output.WriteLine($"scan 1 image 1T no sp/z/D   : cpu {bare,8:F1} us = {bare * 1e3 / (L * E * N):F2} ns per state update");
        double scanRev = KernelBenchmarks.Time(() => ModelScan(B, true, true));
        Report(output, "scan rev accumulate", scanRev);
        output.WriteLine($"  scan: {(double)rows * E * N / scan / 1e3:F2} G state-updates/s (one exp each)");
        if (scanOnly)
        {
            return;
        }

        float[] h = KernelBenchmarks.Random(rows * D, 9), res = KernelBenchmarks.Random(rows * D, 10), normed = new float[rows * D];
        float[] nw = KernelBenchmarks.Random(D, 11);
        Report(output, "add+rmsnorm", KernelBenchmarks.Time(() => Norms.AddRmsNorm(rows, D, h, res, res, nw, 1e-5f, normed)));
        Report(output, "add+layernorm", KernelBenchmarks.Time(() => Norms.AddLayerNorm(rows, D, h, res, res, nw, nw, 1e-5f, normed)));
        Report(output, "silu (B,L,E)", KernelBenchmarks.Time(() => Elementwise.Silu(dt, y)));
        Report(output, "softplus (B,L,E)", KernelBenchmarks.Time(() => Elementwise.Softplus(dt, y)));
        Report(output, "gelu (B,L,E)", KernelBenchmarks.Time(() => Elementwise.Gelu(dt, y)));
        Report(output, "add (B,L,E)", KernelBenchmarks.TimeSerial(() => Elementwise.Add(dt, u, y)));

        float[] cos = KernelBenchmarks.Random(196 * D, 12), sin = KernelBenchmarks.Random(196 * D, 13);
        Report(output, "rope (B,197,D)", KernelBenchmarks.TimeSerial(() => Rope.ApplyInPlace(B, L, D, h, cos, sin, 196)));
        float[] pooled = new float[B * D];
        Report(output, "mean pool", KernelBenchmarks.TimeSerial(() => Pooling.Mean(B, L, D, h, pooled)));
        Report(output, "max pool", KernelBenchmarks.TimeSerial(() => Pooling.Max(B, L, D, h, pooled)));

        float[] images = KernelBenchmarks.Random(B * 3 * 224 * 224, 14);
        PackedMatrix pw = PatchEmbed.PackWeight(KernelBenchmarks.Random(D * 3 * 16 * 16, 15), D, 3, 16, 16);
        float[] tokens = new float[B * 196 * D];
        double pe = KernelBenchmarks.Time(() => PatchEmbed.Forward(B, 3, 224, 224, images, pw, 16, 16, 16, convB.AsSpan(0, D), tokens));
        Report(output, "patch embed (im2col+gemm)", pe);
        output.WriteLine($"  patch embed: {2.0 * B * 196 * D * 768 / pe / 1e3:F1} GFLOP/s end to end");
    }

    /// <summary>Pure VecMath exp throughput on one thread over an L1-resident buffer: the floor for the scan.</summary>
    private static void ExpThroughput(TextWriter output)
    {
        if (!Simd.IsAvailable)
        {
            return;
        }

        float[] x = KernelBenchmarks.Random(4096, 20);
        float[] y = new float[4096];
        int saved = KernelThreading.MaxDegreeOfParallelism;
        KernelThreading.MaxDegreeOfParallelism = 1;
        double fast = KernelBenchmarks.Time(() => ExpLoop(x, y, anyRange: false));
        double any = KernelBenchmarks.Time(() => ExpLoop(x, y, anyRange: true));
        KernelThreading.MaxDegreeOfParallelism = saved;
        output.WriteLine($"exp 1 thread               : {fast * 1e3 / 512:F2} ns per 8-lane vector (fast path), {any * 1e3 / 512:F2} ns (any-range path)");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ExpLoop(float[] x, float[] y, bool anyRange)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            for (int i = 0; i < x.Length; i += 8)
            {
                Vector256<float> v = Avx.LoadVector256(px + i);
                Avx.Store(py + i, anyRange ? VecMath.ExpAnyRange(v) : VecMath.Exp(v));
            }
        }
    }

    private static void Report(TextWriter output, string name, double us) => output.WriteLine($"{name,-26}: {us,9:F1} us (cpu time / threads used)");
}
