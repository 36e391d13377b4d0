using Vim.Generators.Graph;
using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    internal static partial class ModelEmitter
    {
        private static void WriteFields(SourceWriter w, ModelGraph g)
        {
            string l = g.ClsCount > 0 ? $"M + {g.ClsCount}" : "M";
            switch (g.Cls)
            {
                case ClsPlacement.Double:
                    w.Line($"private readonly {TypeRefs.Parameter} _clsTokenHead;   // cls_token_head (1, 1, D)");
                    w.Line($"private readonly {TypeRefs.Parameter} _clsTokenTail;   // cls_token_tail (1, 1, D)");
                    break;
                case ClsPlacement.None:
                    break;
                default:
                    w.Line($"private readonly {TypeRefs.Parameter} _clsToken;   // cls_token (1, 1, D)");
                    break;
            }
            if (g.AbsPosEmbed) w.Line($"private readonly {TypeRefs.Parameter} _posEmbed;   // pos_embed (1, {l}, D)");
            w.Line($"private readonly {TypeRefs.PatchEmbed} _patchEmbed;   // patch_embed.proj.{{weight (D, C, P, P), bias (D)}}");
            if (g.Rope) w.Line($"private readonly {TypeRefs.RotaryEmbedding} _rope;   // rope.freqs_cos, rope.freqs_sin (G², D) buffers");
            w.Line($"private readonly {TypeRefs.Linear}? _head;   // head.{{weight (classes, D), bias (classes)}}; null when NumClasses is 0");
            w.Line($"private readonly {BlockType(g)}[] _layers;   // layers.{{i}}.*");
            w.Line($"private readonly {(g.Block.RmsNorm ? TypeRefs.RmsNorm : TypeRefs.LayerNorm)} _normF;   // norm_f");
            w.Line();
        }

        private static void WriteConstructors(SourceWriter w, ModelGraph g)
        {
            string type = g.Type.Name;
            w.Line("/// <summary>Builds the model at its declared configuration on the CPU, freshly initialised (seed 0).</summary>");
            w.Line($"public {type}() : this(null, null)");
            w.Line("{");
            w.Line("}");
            w.Line();
            w.Line("/// <summary>Builds the model, registering every parameter under its official state-dict key.</summary>");
            w.Line("/// <param name=\"overrides\">Size-only overrides (image size, classes) and the initialisation seed; null keeps the declaration.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated (CPU when null; the meta device allocates nothing).</param>");
            w.Open($"public {type}({TypeRefs.ModelOverrides}? overrides, {TypeRefs.Device}? device = null) : base(device ?? {TypeRefs.Device}.Cpu)");
            w.Line($"ImgHeight = overrides?.ImgHeight ?? {Int(g.ImgHeight)};");
            w.Line($"ImgWidth = overrides?.ImgWidth ?? {Int(g.ImgWidth)};");
            w.Line($"NumClasses = overrides?.NumClasses ?? {Int(g.NumClasses)};");
            w.Line($"DropPathRate = overrides?.DropPathRate ?? {Double(g.DropPathRate)};");
            if (g.DropRate > 0) w.Line($"DropRate = {Double(g.DropRate)};");
            w.Line($"{TypeRefs.ModelOverrides}.CheckPatchGrid(ModelInfo.Name, ImgHeight, ImgWidth, PatchSize, Stride, NumClasses);");
            w.Line("GridHeight = (ImgHeight - PatchSize) / Stride + 1;");
            w.Line("GridWidth = (ImgWidth - PatchSize) / Stride + 1;");
            w.Line("NumPatches = GridHeight * GridWidth;");
            w.Line($"SequenceLength = NumPatches{(g.ClsCount > 0 ? " + " + g.ClsCount : "")};");
            if (g.Cls == ClsPlacement.Middle) w.Line("ClsPosition = NumPatches / 2;");
            if (g.Cls == ClsPlacement.Head) w.Line("ClsPosition = 0;");
            if (g.Rope)
            {
                // The official table covers (img // patch)² positions whatever the stride (rope.py); the graph stage refuses strides that differ.
                w.Line($"{TypeRefs.ModelOverrides}.CheckSquare(ModelInfo.Name, ImgHeight, ImgWidth);");
            }
            w.Line("var parameterDevice = Device;");
            w.Line();
            w.Line("// Registration order follows the official constructor; NamedParameters() lists own tensors first, as state_dict() does.");
            w.Line($"_patchEmbed = RegisterModule(\"patch_embed\", new {TypeRefs.PatchEmbed}(Channels, EmbedDim, PatchSize, Stride, parameterDevice));");
            string clsInit = $"{TypeRefs.ParameterInit}.TruncatedNormal(0.02)";
            switch (g.Cls)
            {
                case ClsPlacement.Double:
                    w.Line($"_clsTokenHead = RegisterParameter(\"cls_token_head\", new {TypeRefs.Shape}(1, 1, EmbedDim), {clsInit});");
                    w.Line($"_clsTokenTail = RegisterParameter(\"cls_token_tail\", new {TypeRefs.Shape}(1, 1, EmbedDim), {clsInit});");
                    break;
                case ClsPlacement.None:
                    break;
                default:
                    w.Line($"_clsToken = RegisterParameter(\"cls_token\", new {TypeRefs.Shape}(1, 1, EmbedDim), {clsInit});");
                    break;
            }
            if (g.AbsPosEmbed) w.Line($"_posEmbed = RegisterParameter(\"pos_embed\", new {TypeRefs.Shape}(1, SequenceLength, EmbedDim), {clsInit});");
            if (g.Rope) w.Line($"_rope = RegisterModule(\"rope\", new {TypeRefs.RotaryEmbedding}(EmbedDim, {Int(g.PtHwSeqLen)}, ImgHeight / PatchSize, parameterDevice));");
            w.Line($"_head = NumClasses > 0 ? RegisterModule(\"head\", new {TypeRefs.Linear}(EmbedDim, NumClasses, bias: true, parameterDevice, {clsInit})) : null;");
            w.Line($"_layers = new {BlockType(g)}[Depth];");
            w.Line("for (int i = 0; i < Depth; i++)");
            w.Line("{");
            w.Line($"    _layers[i] = RegisterModule($\"layers.{{i}}\", new {BlockType(g)}(EmbedDim, Depth, parameterDevice));");
            w.Line("}");
            string norm = g.Block.RmsNorm ? TypeRefs.RmsNorm : TypeRefs.LayerNorm;
            w.Line($"_normF = RegisterModule(\"norm_f\", new {norm}(EmbedDim, {Float(g.Block.NormEpsilon)}, parameterDevice));");
            w.Line("Initialize(overrides?.Seed ?? 0);");
            w.Close();
            w.Line();
        }
    }
}
