using Vim.Dsl;

namespace CustomVariant;

/// <summary>A smaller mixer: bimamba v1 (one conv/x_proj/dt_proj, a second A for the reversed scan), state size 8.</summary>
[MambaMixer(BimambaType = BimambaType.V1, DState = 8)]
public sealed partial class MyMixer;

/// <summary>A block with LayerNorm instead of RMSNorm around <see cref="MyMixer"/>.</summary>
[VimBlock(Mixer = typeof(MyMixer), RmsNorm = false)]
public sealed partial class MyBlock;

/// <summary>A tiny Vim on 32×32 images with 5 classes, built from this project's own block.</summary>
[VisionMamba("vim_custom_patch4_32", ImgSize = 32, PatchSize = 4, Stride = 4, EmbedDim = 48, Depth = 4, NumClasses = 5, Block = typeof(MyBlock))]
public sealed partial class MyVim;

/// <summary>The same size with the zoo's block (bimamba v2, RMSNorm) from the runtime assembly, no cls token, mean pooling.</summary>
[VisionMamba("vim_custom_zooblock_patch8_32", ImgSize = 32, PatchSize = 8, Stride = 8, EmbedDim = 32, Depth = 2, NumClasses = 3,
    ClsToken = false, FinalPoolType = FinalPoolType.Mean, Block = typeof(Vim.Runtime.Zoo.VimBlockV2))]
public sealed partial class MyZooBlockVim;
