// The selective scan in float64, forward and backward with every state stored (no chunking): the reference the scan
// backward kernel is checked against. Layouts as SelectiveScanGrad's, row of (b, p) = b·L + p.
namespace Vim.Kernels.Tests.Backward;

internal sealed class ScanCase
{
    public int Batch, Length, Channels, State, Ldu, LdDelta, LdBC, Ldz, LdOut;
    public int[] Positions = [];
    public bool Softplus, HasBias, HasSkip, HasGate;
    public float Scale = 1f;
    public double[] U = [], Raw = [], Bias = [], A = [], B = [], C = [], D = [], Z = [], G = [];

    private int Rows => Batch * Length;

    public static ScanCase Random(int batch, int length, int channels, int state, int seed, bool gate, bool skip, bool bias, bool softplus,
        string order, int pad)
    {
        var rng = new Random(seed);
        double R(double lo, double hi) => lo + (hi - lo) * rng.NextDouble();
        var s = new ScanCase
        {
            Batch = batch, Length = length, Channels = channels, State = state, Softplus = softplus, HasBias = bias, HasSkip = skip, HasGate = gate,
            Ldu = channels + pad, LdDelta = channels + 2 * pad, LdBC = 2 * state + pad, Ldz = channels + 3 * pad, LdOut = channels + pad, Scale = 0.75f,
        };
        s.Positions = order switch
        {
            "forward" => Enumerable.Range(0, length).ToArray(),
            "reverse" => Enumerable.Range(0, length).Reverse().ToArray(),
            _ => Enumerable.Range(0, length).OrderBy(_ => rng.Next()).ToArray(),
        };
        int rows = batch * length;
        double[] Fill(int n, double lo, double hi) => Enumerable.Range(0, n).Select(_ => (double)(float)R(lo, hi)).ToArray();
        s.U = Fill(rows * s.Ldu, -1, 1);
        // Raw steps mostly small, some past softplus' threshold of 20 so that branch is exercised too.
        // Without softplus the steps are used as they are, so they must stay non-negative (as Mamba's always are).
        s.Raw = Enumerable.Range(0, rows * s.LdDelta).Select(i => (double)(float)(!softplus ? R(0, 0.6) : i % 37 == 5 ? R(20.5, 22) : R(-3, 1))).ToArray();
        s.Bias = Fill(channels, softplus ? -0.5 : 0, 0.5);
        s.A = Fill(channels * state, -1.5, -0.05);
        // B in columns 0..N−1 and C in N..2N−1 of one strided buffer, as x_dbl holds them.
        var bc = Fill(rows * s.LdBC, -1, 1);
        s.B = bc;
        s.C = bc;
        s.D = Fill(channels, -1, 1);
        s.Z = Fill(rows * s.Ldz, -2, 2);
        s.G = Fill(rows * s.LdOut, -1, 1);
        return s;
    }

    public int BOffset => 0;

    public int COffset => State;

    private double Delta(int row, int c)
    {
        double x = Raw[row * LdDelta + c] + (HasBias ? Bias[c] : 0);
        return !Softplus ? x : x > 20 ? x : Math.Log(1 + Math.Exp(x));
    }

    private double DeltaSlope(int row, int c)
    {
        double x = Raw[row * LdDelta + c] + (HasBias ? Bias[c] : 0);
        return !Softplus || x > 20 ? 1 : 1 / (1 + Math.Exp(-x));
    }

    private static double Silu(double x) => x / (1 + Math.Exp(-x));

    private static double SiluSlope(double x)
    {
        double s = 1 / (1 + Math.Exp(-x));
        return s * (1 + x * (1 - s));
    }

    /// <summary>Σ over rows and channels of G · out.</summary>
    public double Loss()
    {
        double total = 0;
        var h = new double[State];
        for (int b = 0; b < Batch; b++)
        {
            for (int c = 0; c < Channels; c++)
            {
                Array.Clear(h);
                for (int l = 0; l < Length; l++)
                {
                    int row = b * Length + Positions[l];
                    double delta = Delta(row, c), uu = U[row * Ldu + c], y = HasSkip ? D[c] * uu : 0;
                    for (int n = 0; n < State; n++)
                    {
                        h[n] = Math.Exp(delta * A[c * State + n]) * h[n] + delta * B[row * LdBC + BOffset + n] * uu;
                        y += C[row * LdBC + COffset + n] * h[n];
                    }

                    double o = Scale * y * (HasGate ? Silu(Z[row * Ldz + c]) : 1);
                    total += G[row * LdOut + c] * o;
                }
            }
        }

        return total;
    }

    /// <summary>Every gradient of <see cref="Loss"/>: dense arrays in the kernel's layouts.</summary>
    public (double[] Du, double[] DRaw, double[] DA, double[] DBC, double[] DD, double[] DBias, double[] Dz) Gradients()
    {
        int rows = Rows, n = State;
        var du = new double[rows * Ldu];
        var draw = new double[rows * LdDelta];
        var dA = new double[Channels * n];
        var dbc = new double[rows * LdBC];
        var dD = new double[Channels];
        var dBias = new double[Channels];
        var dz = new double[rows * Ldz];
        var hs = new double[Length + 1, n];
        for (int b = 0; b < Batch; b++)
        {
            for (int c = 0; c < Channels; c++)
            {
                for (int l = 0; l < Length; l++)
                {
                    int row = b * Length + Positions[l];
                    double delta = Delta(row, c), uu = U[row * Ldu + c];
                    for (int j = 0; j < n; j++)
                    {
                        hs[l + 1, j] = Math.Exp(delta * A[c * n + j]) * hs[l, j] + delta * B[row * LdBC + BOffset + j] * uu;
                    }
                }

                var dh = new double[n];
                for (int l = Length - 1; l >= 0; l--)
                {
                    int row = b * Length + Positions[l];
                    double delta = Delta(row, c), uu = U[row * Ldu + c];
                    double y = HasSkip ? D[c] * uu : 0;
                    for (int j = 0; j < n; j++)
                    {
                        y += C[row * LdBC + COffset + j] * hs[l + 1, j];
                    }

                    double g = Scale * G[row * LdOut + c];
                    double gy = g;
                    if (HasGate)
                    {
                        double zv = Z[row * Ldz + c];
                        dz[row * Ldz + c] += g * y * SiluSlope(zv);
                        gy = g * Silu(zv);
                    }

                    if (HasSkip)
                    {
                        dD[c] += gy * uu;
                        du[row * Ldu + c] += gy * D[c];
                    }

                    double dDelta = 0;
                    for (int j = 0; j < n; j++)
                    {
                        double aa = A[c * n + j], decay = Math.Exp(delta * aa), bj = B[row * LdBC + BOffset + j];
                        double dhj = dh[j] + gy * C[row * LdBC + COffset + j];
                        dbc[row * LdBC + COffset + j] += gy * hs[l + 1, j];
                        dbc[row * LdBC + BOffset + j] += dhj * delta * uu;
                        du[row * Ldu + c] += dhj * delta * bj;
                        dDelta += dhj * (bj * uu + aa * decay * hs[l, j]);
                        dA[c * n + j] += dhj * delta * decay * hs[l, j];
                        dh[j] = dhj * decay;
                    }

                    double dr = dDelta * DeltaSlope(row, c);
                    draw[row * LdDelta + c] += dr;
                    dBias[c] += dr;
                }
            }
        }

        return (du, draw, dA, dbc, dD, dBias, dz);
    }
}
