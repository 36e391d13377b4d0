namespace Vim.Dsl;

/// <summary>
/// Declares a Vision Mamba (Vim) model on a <c>partial</c> class; the source generator emits its parameters under the
/// official state-dict keys, its forward graph and a registry entry. Every constructor option of the official
/// <c>VisionMamba</c> class (hustvl/Vim, <c>vim/models_mamba.py</c>) is a property with the official default.
/// </summary>
/// <remarks>
/// Overlapping options resolve as upstream resolves them: <see cref="UseDoubleClsToken"/> wins over
/// <see cref="UseMiddleClsToken"/>; both placement flags do nothing without <see cref="ClsToken"/>;
/// <see cref="FinalPoolType"/> is only used without a cls token; <see cref="DivideOut"/> only affects
/// <see cref="BimambaType.V2"/>. Configurations upstream crashes on, or answers with a wrong shape, are compile errors (VIM0xx).
/// </remarks>
/// <example>
/// <code>
/// [VisionMamba("vim_micro_patch8_64", ImgSize = 64, PatchSize = 8, Stride = 8, EmbedDim = 64, Depth = 4, NumClasses = 10)]
/// public sealed partial class VimMicro;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VisionMambaAttribute : Attribute
{
    /// <summary>Declares a model registered under <paramref name="name"/> (lowercase, <c>{family}_{size}_patch{P}[_stride{S}]_{img}</c>).</summary>
    public VisionMambaAttribute(string name) => Name = name;

    /// <summary>The registry name.</summary>
    public string Name { get; }

    /// <summary>Other names the registry accepts for this model (e.g. the official long name).</summary>
    public string[] Aliases { get; set; } = [];

    /// <summary>Official <c>img_size</c> (square input). Default <c>224</c>.</summary>
    public int ImgSize { get; set; } = 224;

    /// <summary>Input height when official <c>img_size</c> is a pair <c>[h, w]</c>; 0 means <see cref="ImgSize"/>. Default <c>0</c>.</summary>
    public int ImgHeight { get; set; }

    /// <summary>Input width when official <c>img_size</c> is a pair <c>[h, w]</c>; 0 means <see cref="ImgSize"/>. Default <c>0</c>.</summary>
    public int ImgWidth { get; set; }

    /// <summary>Official <c>patch_size</c>. Default <c>16</c>.</summary>
    public int PatchSize { get; set; } = 16;

    /// <summary>Official <c>stride</c> of the patch convolution; smaller than <see cref="PatchSize"/> gives overlapping patches. Default <c>16</c>.</summary>
    public int Stride { get; set; } = 16;

    /// <summary>Official <c>depth</c> (number of blocks). Default <c>24</c>.</summary>
    public int Depth { get; set; } = 24;

    /// <summary>Official <c>embed_dim</c> (model width D). Default <c>192</c>.</summary>
    public int EmbedDim { get; set; } = 192;

    /// <summary>Official <c>d_state</c> (SSM state size N). Default <c>16</c>.</summary>
    public int DState { get; set; } = 16;

    /// <summary>Official <c>channels</c> (image channels). Default <c>3</c>.</summary>
    public int Channels { get; set; } = 3;

    /// <summary>Official <c>num_classes</c>; 0 means no head (features are returned). Default <c>1000</c>.</summary>
    public int NumClasses { get; set; } = 1000;

    /// <summary>Official <c>norm_epsilon</c> of every block norm and of <c>norm_f</c>. Default <c>1e-5</c>.</summary>
    public double NormEpsilon { get; set; } = 1e-5;

    /// <summary>Official <c>rms_norm</c>: RMSNorm (weight only) instead of LayerNorm. Default <c>true</c>.</summary>
    public bool RmsNorm { get; set; } = true;

    /// <summary>Official <c>fused_add_norm</c>: same math as the unfused path in fp32. Default <c>true</c>.</summary>
    public bool FusedAddNorm { get; set; } = true;

    /// <summary>Official <c>residual_in_fp32</c> (the residual is fp32 anyway in fp32 inference). Default <c>true</c>.</summary>
    public bool ResidualInFp32 { get; set; } = true;

    /// <summary>Official <c>if_bidirectional</c>: layers run in pairs, the second on the reversed sequence; the residual doubles every pair (upstream behaviour). Default <c>false</c>.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Official <c>final_pool_type</c>; only used without a cls token. Default <see cref="FinalPoolType.None"/>.</summary>
    public FinalPoolType FinalPoolType { get; set; } = FinalPoolType.None;

    /// <summary>Official <c>if_abs_pos_embed</c>: a learned <c>pos_embed</c> added after cls insertion. Default <c>true</c>.</summary>
    public bool AbsPosEmbed { get; set; } = true;

    /// <summary>Official <c>if_rope</c>: 2-D rotary embedding before every layer. Default <c>false</c>.</summary>
    public bool Rope { get; set; }

    /// <summary>Official <c>if_rope_residual</c>: also rotate the running residual (only with <see cref="Rope"/>). Default <c>false</c>.</summary>
    public bool RopeResidual { get; set; }

    /// <summary>Official <c>pt_hw_seq_len</c>: the RoPE pretraining grid size. Default <c>14</c>.</summary>
    public int PtHwSeqLen { get; set; } = 14;

    /// <summary>Official <c>bimamba_type</c>. Default <see cref="BimambaType.V2"/>.</summary>
    public BimambaType BimambaType { get; set; } = BimambaType.V2;

    /// <summary>Official <c>if_cls_token</c>. Default <c>true</c>.</summary>
    public bool ClsToken { get; set; } = true;

    /// <summary>Official <c>if_divide_out</c>: halve the sum of both directions (v2 only). Default <c>true</c>.</summary>
    public bool DivideOut { get; set; } = true;

    /// <summary>Official <c>use_double_cls_token</c>: head and tail cls tokens, features their mean; wins over the middle token. Default <c>false</c>.</summary>
    public bool UseDoubleClsToken { get; set; }

    /// <summary>Official <c>use_middle_cls_token</c>: the cls token sits at index M/2. Default <c>true</c>.</summary>
    public bool UseMiddleClsToken { get; set; } = true;

    /// <summary>Official <c>init_layer_scale</c>: a per-channel <c>gamma</c> on each mixer output; 0 means none (official <c>None</c>). Default <c>0</c>.</summary>
    public double InitLayerScale { get; set; }

    /// <summary>Official <c>drop_rate</c> (dropout after the position embedding; identity at inference). Default <c>0</c>.</summary>
    public double DropRate { get; set; }

    /// <summary>Official <c>drop_path_rate</c> (stochastic depth; identity at inference). Default <c>0.1</c>.</summary>
    public double DropPathRate { get; set; } = 0.1;

    /// <summary>Per-channel normalisation mean of the evaluation preprocessing (not an official constructor option). Default ImageNet <c>(0.485, 0.456, 0.406)</c>, as the official evaluation uses.</summary>
    public double[] Mean { get; set; } = [0.485, 0.456, 0.406];

    /// <summary>Per-channel normalisation std of the evaluation preprocessing (not an official constructor option). Default ImageNet <c>(0.229, 0.224, 0.225)</c>.</summary>
    public double[] Std { get; set; } = [0.229, 0.224, 0.225];

    /// <summary>Centre-crop ratio of the evaluation preprocessing: resize the short side to input/CropPct, then crop (not an official constructor option; official eval uses 0.875). 1 means no resize when the image already has the input size. Default <c>0.875</c>.</summary>
    public double CropPct { get; set; } = 0.875;

    /// <summary>
    /// A block declared with <see cref="VimBlockAttribute"/> to use for every layer instead of the block built from this
    /// attribute's own block options (<see cref="RmsNorm"/>, <see cref="NormEpsilon"/>, <see cref="FusedAddNorm"/>,
    /// <see cref="ResidualInFp32"/>, <see cref="DState"/>, <see cref="BimambaType"/>, <see cref="DivideOut"/>,
    /// <see cref="InitLayerScale"/>), which must then be left unset. <c>norm_f</c> follows the block's norm.
    /// </summary>
    public Type? Block { get; set; }
}
