using Vim.Runtime.Modules;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Devices;

// The backward pass. A parameter's gradient accumulates into Parameter.Grad (skipped when it does not require one);
// an activation's gradient is returned as a new tensor, or accumulated into one the caller passes. Each member has a
// default that refuses, so a backend without training support still compiles and says so.
public partial interface IBackend
{
    /// <summary>a + b as a new tensor (same shape). The default copies a and adds b in place, which every backend can.</summary>
    Tensor Add(Tensor a, Tensor b)
    {
        var sum = Allocate(a.Shape);
        Copy(a, sum);
        AddInPlace(sum, b);
        return sum;
    }

    /// <summary>x[i, …] *= scales[i] for every sample i of the leading axis (drop-path), in place.</summary>
    void ScaleSamplesInPlace(Tensor x, float[] scales) => throw Unsupported(nameof(ScaleSamplesInPlace));

    /// <summary>x *= mask elementwise (dropout), in place.</summary>
    void MultiplyInPlace(Tensor x, float[] mask) => throw Unsupported(nameof(MultiplyInPlace));

    /// <summary>Backward of <see cref="Linear"/>: weight.Grad += dyᵀ·x, bias.Grad += Σ dy; returns dx = dy·W when <paramref name="inputGradient"/>.</summary>
    Tensor? LinearBackward(Tensor x, Tensor dy, Parameter weight, Parameter? bias, bool inputGradient) => throw Unsupported(nameof(LinearBackward));

    /// <summary>Backward of <see cref="PatchEmbed"/>: weight and bias gradients; returns the image gradient when <paramref name="inputGradient"/>.</summary>
    Tensor? PatchEmbedBackward(Tensor images, Tensor dTokens, Parameter weight, Parameter bias, int stride, bool inputGradient) => throw Unsupported(nameof(PatchEmbedBackward));

    /// <summary>Backward of <see cref="Norm"/> at input x: weight (and bias) gradients; dx (=, or += when <paramref name="accumulate"/>) the input gradient.</summary>
    void NormBackward(Tensor x, Tensor dy, NormKind kind, Parameter weight, Parameter? bias, float epsilon, Tensor dx, bool accumulate) =>
        throw Unsupported(nameof(NormBackward));

    /// <summary>
    /// Starts the backward pass of one Mamba branch from its input xz and kept x_dbl: recomputes u (conv + SiLU) and Δraw
    /// (x_dbl[..., :R]·dt_projᵀ), which the forward did not keep, and zeroes the branch's gradient accumulators.
    /// </summary>
    MambaBranchGradients MambaBackwardBegin(Tensor xz, Tensor xDbl, int dInner, Parameter convWeight, Parameter? convBias, Parameter dtProjWeight, int dState, bool reverse) =>
        throw Unsupported(nameof(MambaBackwardBegin));

    /// <summary>
    /// Backward of <see cref="MambaScan"/> (over reversed time when <paramref name="reverse"/>) for the output gradient dOutput
    /// (B, L, E) of a scan that wrote scale·y: accumulates into the branch's du, dΔraw and dx_dbl (B and C columns), into the
    /// z half of dXz, and into A_log, D and the Δ bias.
    /// </summary>
    void MambaScanBackward(MambaBranchGradients branch, Tensor xz, Parameter aLog, Parameter dSkip, Parameter dtBias, bool reverse, Tensor dOutput, float scale, Tensor dXz) =>
        throw Unsupported(nameof(MambaScanBackward));

    /// <summary>Backward of <see cref="MambaPrepare"/> from the branch's accumulated gradients: dt_proj, x_proj and the conv; adds the x half of dXz.</summary>
    void MambaPrepareBackward(MambaBranchGradients branch, Tensor xz, Parameter convWeight, Parameter? convBias, Parameter xProjWeight, Parameter dtProjWeight, bool reverse, Tensor dXz) =>
        throw Unsupported(nameof(MambaPrepareBackward));

    /// <summary>Backward of <see cref="InsertToken"/>: token.Grad += Σ_b dTokens[:, position]; returns dTokens without that row (B, M, D).</summary>
    Tensor InsertTokenBackward(Tensor dTokens, Parameter token, int position) => throw Unsupported(nameof(InsertTokenBackward));

    /// <summary>Backward of <see cref="AddBroadcastInPlace"/>: addend.Grad += Σ over the batch of dx.</summary>
    void AddBroadcastBackward(Tensor dx, Parameter addend) => throw Unsupported(nameof(AddBroadcastBackward));

    /// <summary>Backward of <see cref="SelectToken"/>: (B, L, D) zeros with dRow at <paramref name="position"/>.</summary>
    Tensor SelectTokenBackward(Tensor dRow, int position, int length) => throw Unsupported(nameof(SelectTokenBackward));

    /// <summary>Backward of <see cref="MeanOfTwoTokens"/>: (B, L, D) zeros with dRow / 2 at rows i and j.</summary>
    Tensor MeanOfTwoTokensBackward(Tensor dRow, int i, int j, int length) => throw Unsupported(nameof(MeanOfTwoTokensBackward));

    /// <summary>Backward of <see cref="MeanOverTokens"/>: dRow / L at every row (B, L, D).</summary>
    Tensor MeanOverTokensBackward(Tensor dRow, int length) => throw Unsupported(nameof(MeanOverTokensBackward));

    /// <summary>Backward of <see cref="MaxOverTokens"/> at input x: dRow routed to the first row holding each maximum (B, L, D).</summary>
    Tensor MaxOverTokensBackward(Tensor x, Tensor dRow) => throw Unsupported(nameof(MaxOverTokensBackward));

    /// <summary>Backward of <see cref="RopeInPlace"/>, in place on the gradient: the inverse rotation (the transpose).</summary>
    void RopeBackwardInPlace(Tensor dx, Tensor cos, Tensor sin) => throw Unsupported(nameof(RopeBackwardInPlace));

    /// <summary>Backward of <see cref="MultiplyLastAxisInPlace"/> (a · v) at input a: v.Grad += Σ dy·a; returns dy·v.</summary>
    Tensor MultiplyLastAxisBackward(Tensor a, Tensor dy, Parameter v) => throw Unsupported(nameof(MultiplyLastAxisBackward));

    private NotSupportedException Unsupported(string operation) =>
        new($"{operation} (training) is not implemented on {Device}; train on the CPU (Device.Cpu).");
}

/// <summary>
/// One Mamba branch during the backward pass: what its forward did not keep (u and Δraw, recomputed) and the gradients
/// accumulated for its prepare step (du, dΔraw, dx_dbl) by one or two scans (bimamba v1 shares a branch between them).
/// </summary>
public sealed class MambaBranchGradients(Tensor u, Tensor deltaRaw, Tensor xDbl, Tensor du, Tensor dDeltaRaw, Tensor dXDbl, int dtRank, int dState) : IDisposable
{
    /// <summary>Conv + SiLU output (B, L, E), recomputed.</summary>
    public Tensor U { get; } = u;

    /// <summary>x_dbl[..., :R]·dt_projᵀ without the bias (B, L, E), recomputed.</summary>
    public Tensor DeltaRaw { get; } = deltaRaw;

    /// <summary>The forward's x_dbl (B, L, R + 2N), not owned.</summary>
    public Tensor XDbl { get; } = xDbl;

    /// <summary>∂/∂u (B, L, E).</summary>
    public Tensor DU { get; } = du;

    /// <summary>∂/∂Δraw (B, L, E).</summary>
    public Tensor DDeltaRaw { get; } = dDeltaRaw;

    /// <summary>∂/∂x_dbl (B, L, R + 2N).</summary>
    public Tensor DXDbl { get; } = dXDbl;

    /// <summary>R.</summary>
    public int DtRank { get; } = dtRank;

    /// <summary>N.</summary>
    public int DState { get; } = dState;

    /// <inheritdoc/>
    public void Dispose()
    {
        U.Dispose();
        DeltaRaw.Dispose();
        DU.Dispose();
        DDeltaRaw.Dispose();
        DXDbl.Dispose();
    }
}
