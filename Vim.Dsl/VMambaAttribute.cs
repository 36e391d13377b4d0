namespace Vim.Dsl;

/// <summary>
/// Declares a VMamba (VSSM) model on a <c>partial</c> class; the source generator emits its parameters under the
/// official state-dict keys, its forward graph (stem, stages of VSS blocks with SS2D four-direction scans, downsamples,
/// classifier) and a registry entry. Every constructor option of the official <c>VSSM</c> class
/// (MzeroMiko/VMamba, <c>classification/models/vmamba.py</c>) is a property with the <c>VSSM</c> constructor's default.
/// </summary>
/// <remarks>
/// Options upstream crashes on — the default <see cref="ForwardType"/> <c>"v2"</c> among them — are compile errors
/// (VIM020+), so a declaration states the forward type it means (the released models use <c>"v05_noz"</c> and <c>"v0"</c>).
/// </remarks>
/// <example>
/// <code>
/// [VMamba("vmamba_micro", Depths = [1, 1, 2, 1], Dim = 8, SsmDState = 1, ForwardType = "v05_noz",
///     SsmConvBias = false, NormLayer = NormLayer.Ln2d, DownsampleVersion = DownsampleVersion.V3,
///     PatchEmbedVersion = PatchEmbedVersion.V2, ImgSize = 64, NumClasses = 10)]
/// public sealed partial class VMambaMicro;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class VMambaAttribute : Attribute
{
    /// <summary>Declares a model registered under <paramref name="name"/> (lowercase).</summary>
    public VMambaAttribute(string name) => Name = name;

    /// <summary>The registry name.</summary>
    public string Name { get; }

    /// <summary>Other names the registry accepts for this model (e.g. the official config and README names).</summary>
    public string[] Aliases { get; set; } = [];

    /// <summary>Official <c>patch_size</c>: the stem's total stride. Default <c>4</c>.</summary>
    public int PatchSize { get; set; } = 4;

    /// <summary>Official <c>in_chans</c>. Default <c>3</c>.</summary>
    public int InChans { get; set; } = 3;

    /// <summary>Official <c>num_classes</c>; 0 means no head (features are returned). Default <c>1000</c>.</summary>
    public int NumClasses { get; set; } = 1000;

    /// <summary>Official <c>depths</c>: blocks per stage; the number of stages is its length. Default <c>[2, 2, 9, 2]</c>.</summary>
    public int[] Depths { get; set; } = [2, 2, 9, 2];

    /// <summary>Official <c>dims</c> given as a list: the width of each stage. Default <c>[96, 192, 384, 768]</c>.</summary>
    public int[] Dims { get; set; } = [96, 192, 384, 768];

    /// <summary>Official <c>dims</c> given as an int <c>c</c>: stage widths <c>c·2^i</c>. 0 means "use <see cref="Dims"/>". Default <c>0</c>.</summary>
    public int Dim { get; set; }

    /// <summary>
    /// A VSS block declared with <see cref="VssBlockAttribute"/>, used in every stage. When given, the block options
    /// (<c>Ssm*</c>, <see cref="ForwardType"/>, <c>Mlp*</c>, <see cref="Gmlp"/>, <see cref="NormLayer"/>) come from the block
    /// and its mixer and MLP, and setting them here is an error (VIM026). Default null (the model's own options build the block).
    /// </summary>
    public Type? Block { get; set; }

    /// <summary>Official <c>ssm_d_state</c> (N). Default <c>16</c>.</summary>
    public int SsmDState { get; set; } = 16;

    /// <summary>Official <c>ssm_ratio</c>: d_inner = int(ratio·C); ≤ 0 removes the SS2D branch. Default <c>2.0</c>.</summary>
    public double SsmRatio { get; set; } = 2.0;

    /// <summary>Official <c>ssm_dt_rank</c>; 0 means <c>"auto"</c> = ceil(C / 16). Default <c>0</c> (<c>"auto"</c>).</summary>
    public int SsmDtRank { get; set; }

    /// <summary>Official <c>ssm_act_layer</c>. Default <see cref="ActLayer.Silu"/>.</summary>
    public ActLayer SsmActLayer { get; set; } = ActLayer.Silu;

    /// <summary>Official <c>ssm_conv</c>: depthwise kernel size; ≤ 1 means no conv (the activation stays). Default <c>3</c>.</summary>
    public int SsmConv { get; set; } = 3;

    /// <summary>Official <c>ssm_conv_bias</c>. Default <c>true</c>.</summary>
    public bool SsmConvBias { get; set; } = true;

    /// <summary>Official <c>ssm_drop_rate</c> (identity at inference). Default <c>0</c>.</summary>
    public double SsmDropRate { get; set; }

    /// <summary>Official <c>ssm_init</c> (fresh initialisation only). Default <see cref="Dsl.SsmInit.V0"/>.</summary>
    public SsmInit SsmInit { get; set; } = SsmInit.V0;

    /// <summary>
    /// Official <c>forward_type</c>, kept as the official string because the set is open:
    /// <c>base[_onsigmoid|_onsoftmax|_oncnorm|_ondwconv3|_onnone][_nozact][_noz][_oact][_no32]</c> with base
    /// <c>v0</c>, <c>v0seq</c>, <c>v01</c>…<c>v05</c>, <c>v051d</c>, <c>v052d</c>, <c>v3</c>. Default <c>"v2"</c> (upstream's
    /// default, which crashes at HEAD and is therefore refused with VIM023).
    /// </summary>
    public string ForwardType { get; set; } = "v2";

    /// <summary>Official <c>mlp_ratio</c>: MLP hidden = int(C·ratio); ≤ 0 removes the MLP branch. Default <c>4.0</c>.</summary>
    public double MlpRatio { get; set; } = 4.0;

    /// <summary>Official <c>mlp_act_layer</c>. Default <see cref="ActLayer.Gelu"/>.</summary>
    public ActLayer MlpActLayer { get; set; } = ActLayer.Gelu;

    /// <summary>Official <c>mlp_drop_rate</c> (identity at inference). Default <c>0</c>.</summary>
    public double MlpDropRate { get; set; }

    /// <summary>Official <c>gmlp</c>: gated MLP (fc1 → 2·hidden, fc2(a · act(g))). Default <c>false</c>.</summary>
    public bool Gmlp { get; set; }

    /// <summary>Official <c>drop_path_rate</c> (stochastic depth; identity at inference). Default <c>0.1</c>.</summary>
    public double DropPathRate { get; set; } = 0.1;

    /// <summary>Official <c>patch_norm</c>: norms inside the stem. Default <c>true</c>.</summary>
    public bool PatchNorm { get; set; } = true;

    /// <summary>Official <c>norm_layer</c>; <see cref="Dsl.NormLayer.Ln2d"/> and <see cref="Dsl.NormLayer.Bn"/> make the model channel-first. Default <see cref="Dsl.NormLayer.Ln"/>.</summary>
    public NormLayer NormLayer { get; set; } = NormLayer.Ln;

    /// <summary>Official <c>downsample_version</c>. Default <see cref="Dsl.DownsampleVersion.V2"/>.</summary>
    public DownsampleVersion DownsampleVersion { get; set; } = DownsampleVersion.V2;

    /// <summary>Official <c>patchembed_version</c> (the VSSM constructor's default; config.py's is <c>v2</c>). Default <see cref="Dsl.PatchEmbedVersion.V1"/>.</summary>
    public PatchEmbedVersion PatchEmbedVersion { get; set; } = PatchEmbedVersion.V1;

    /// <summary>Official <c>use_checkpoint</c> (gradient checkpointing; no effect on outputs). Default <c>false</c>.</summary>
    public bool UseCheckpoint { get; set; }

    /// <summary>Official <c>posembed</c>: a learned <c>pos_embed</c> (1, C0, img/p, img/p) added after the stem. Default <c>false</c>.</summary>
    public bool PosEmbed { get; set; }

    /// <summary>Official <c>imgsize</c>: sizes <c>pos_embed</c>; also the registry's default input size. Default <c>224</c>.</summary>
    public int ImgSize { get; set; } = 224;

    /// <summary>Per-channel normalisation mean of the evaluation preprocessing (not a constructor option). Default ImageNet <c>(0.485, 0.456, 0.406)</c>.</summary>
    public double[] Mean { get; set; } = [0.485, 0.456, 0.406];

    /// <summary>Per-channel normalisation std of the evaluation preprocessing (not a constructor option). Default ImageNet <c>(0.229, 0.224, 0.225)</c>.</summary>
    public double[] Std { get; set; } = [0.229, 0.224, 0.225];

    /// <summary>Centre-crop ratio of the evaluation preprocessing (official: Resize(256), CenterCrop(224)). Default <c>0.875</c>.</summary>
    public double CropPct { get; set; } = 0.875;
}
