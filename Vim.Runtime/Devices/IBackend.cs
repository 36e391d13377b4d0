using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

/// <summary>
/// The complete list of operations a device must provide. The generated model code and the runtime's
/// modules call these through <see cref="Backends.For(Device)"/>; nothing above this seam knows which device runs.
/// </summary>
public partial interface IBackend
{
    /// <summary>The device this backend computes on.</summary>
    Device Device { get; }

    /// <summary>A tensor with unspecified contents.</summary>
    Tensor Allocate(Shape shape);

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    void Fill(Tensor tensor, float value);

    /// <summary>Copies a tensor's elements to host memory.</summary>
    float[] Download(Tensor tensor);

    /// <summary>Creates a tensor on this device from host values.</summary>
    Tensor Upload(float[] host, Shape shape);

    /// <summary>Copies all elements of <paramref name="source"/> into <paramref name="destination"/> (same element count).</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>y = x · weightᵀ + bias over the last axis: x (…, in), weight (out, in) → (…, out).</summary>
    Tensor Linear(Tensor x, Parameter weight, Parameter? bias);

    /// <summary>Patch embedding conv (padding 0): images (B, C, H, W), weight (D, C, P, P) → tokens (B, Gh·Gw, D), row-major over the grid.</summary>
    Tensor PatchEmbed(Tensor images, Parameter weight, Parameter bias, int stride);

    /// <summary>Per row: <paramref name="residual"/> += <paramref name="hidden"/> (in place), returns Norm(residual).</summary>
    Tensor AddNorm(Tensor hidden, Tensor residual, NormKind kind, Parameter weight, Parameter? bias, float epsilon);

    /// <summary>Per row normalisation over the last axis.</summary>
    Tensor Norm(Tensor x, NormKind kind, Parameter weight, Parameter? bias, float epsilon);

    /// <summary>
    /// One Mamba branch up to the scan: u = silu(causal depthwise conv of xz[..., :E]) (anti-causal when <paramref name="reverse"/>),
    /// x_dbl = u · x_projᵀ (B, L, R + 2N), Δ_raw = x_dbl[..., :R] · dt_projᵀ (bias and softplus are the scan's).
    /// </summary>
    MambaBranch MambaPrepare(Tensor xz, int dInner, Parameter convWeight, Parameter? convBias, Parameter xProjWeight, Parameter dtProjWeight, int dState, bool reverse);

    /// <summary>
    /// The selective scan of a prepared branch with z = xz[..., E:] gating, over reversed time when <paramref name="reverse"/>;
    /// output = (accumulate ? output : 0) + scale · y. With <paramref name="steps"/> only the rows of the first that many tokens in
    /// the scan's direction are required (the others may be left unwritten): a backend may stop the scan there.
    /// </summary>
    void MambaScan(MambaBranch branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor output, bool accumulate, float scale, int? steps = null);

    /// <summary>Inserts a (1, 1, D) token at <paramref name="position"/> of (B, M, D) → (B, M + 1, D).</summary>
    Tensor InsertToken(Tensor tokens, Tensor token, int position);

    /// <summary>
    /// Tokens (B, L, D) → a channel-first map (B, D, gridHeight, gridWidth) of the rows that are not in
    /// <paramref name="skip"/> (the cls tokens), in sequence order, row-major over the grid. The default stages
    /// through host memory; a backend overrides it where it has a kernel.
    /// </summary>
    Tensor ToPatchGrid(Tensor tokens, int gridHeight, int gridWidth, ReadOnlySpan<int> skip) => CpuBackend.ToPatchGridThroughHost(tokens, gridHeight, gridWidth, skip);

    /// <summary>x (B, …) += addend (1, …), broadcast over the batch.</summary>
    void AddBroadcastInPlace(Tensor x, Tensor addend);

    /// <summary>a += b (same shape).</summary>
    void AddInPlace(Tensor a, Tensor b);

    /// <summary>a *= scale.</summary>
    void ScaleInPlace(Tensor a, float scale);

    /// <summary>a (…, D) *= v (D).</summary>
    void MultiplyLastAxisInPlace(Tensor a, Tensor v);

    /// <summary>x (B, L, D) → x[:, position] (B, D).</summary>
    Tensor SelectToken(Tensor x, int position);

    /// <summary>x (B, L, D) → (x[:, i] + x[:, j]) / 2 (B, D).</summary>
    Tensor MeanOfTwoTokens(Tensor x, int i, int j);

    /// <summary>x (B, L, D) → mean over L (B, D).</summary>
    Tensor MeanOverTokens(Tensor x);

    /// <summary>x (B, L, D) → max over L (B, D).</summary>
    Tensor MaxOverTokens(Tensor x);

    /// <summary>2-D RoPE in place on x (B, L, D) with tables (G², D): odd L leaves token 0 and rotates tokens 1.. with rows 0..; interleaved pairs.</summary>
    void RopeInPlace(Tensor x, Tensor cos, Tensor sin);
}

/// <summary>Which per-token normalisation a norm module computes.</summary>
public enum NormKind
{
    /// <summary>y = x / sqrt(mean(x²) + eps) · w.</summary>
    Rms,
    /// <summary>y = (x − mean) / sqrt(var + eps) · w + b (biased variance).</summary>
    Layer,
}

/// <summary>The intermediates of one Mamba branch before its scan: u (B, L, E), x_dbl (B, L, R + 2N), and Δ_raw (B, L, E) where the backend computes it apart from the scan.</summary>
public sealed class MambaBranch(Tensor u, Tensor xDbl, Tensor? deltaRaw, int dtRank, int dState, Tensor? dtWeight = null) : IDisposable
{
    /// <summary>Conv + SiLU output (B, L, E).</summary>
    public Tensor U { get; } = u;

    /// <summary>x_proj output (B, L, R + 2N): Δ low rank, B, C.</summary>
    public Tensor XDbl { get; } = xDbl;

    /// <summary>dt_proj output without bias (B, L, E); null where the scan applies dt_proj itself (<see cref="DtWeight"/>).</summary>
    public Tensor? DeltaRaw { get; } = deltaRaw;

    /// <summary>dt_proj's weight (E, R) when <see cref="DeltaRaw"/> is null; the model's parameter, not owned by the branch.</summary>
    public Tensor? DtWeight { get; } = dtWeight;

    /// <summary>R.</summary>
    public int DtRank { get; } = dtRank;

    /// <summary>N.</summary>
    public int DState { get; } = dState;

    private bool _xDblKept;

    /// <summary>Hands x_dbl to the caller (a training forward keeps it for the backward pass); the branch then no longer disposes it.</summary>
    public Tensor KeepXDbl()
    {
        _xDblKept = true;
        return XDbl;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        U.Dispose();
        if (!_xDblKept) XDbl.Dispose();
        DeltaRaw?.Dispose();
    }
}
