using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Vim.Generators.Graph;
using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>Writes one model's partial class: parameters (<c>ModelEmitter.Parameters.cs</c>) and forward graph (<c>ModelEmitter.Forward.cs</c>).</summary>
    internal static partial class ModelEmitter
    {
        public static void Emit(SourceProductionContext context, ModelGraph graph)
        {
            context.AddSource(graph.Type.MetadataName.Replace('+', '.') + ".g.cs", SourceText.From(Generate(graph), System.Text.Encoding.UTF8));
        }

        public static string Generate(ModelGraph g)
        {
            var w = Header.Open(g.Type);
            WriteSummary(w, g);
            w.Line(GeneratedCode);
            w.Open($"partial class {g.Type.Name} : {TypeRefs.ImageModel}");
            WriteConstants(w, g);
            WriteInfo(w, g);
            WriteSizes(w, g);
            WriteFields(w, g);
            WriteConstructors(w, g);
            WriteForward(w, g);
            WriteTraining(w, g);
            if (g.Block.TypeName is null)
            {
                w.Line();
                // The model's own block and mixer carry ForwardAt only when its last layer uses it.
                bool rowOnly = ReadoutToken(g) is not null;
                ComponentEmitter.WriteBlock(w, "Block", g.Block, "Mixer", rowOnly);
                w.Line();
                ComponentEmitter.WriteMixer(w, "Mixer", g.Block.Mixer, rowOnly);
            }
            w.Close();
            return Header.Close(w, g.Type);
        }

        private static string BlockType(ModelGraph g) => g.Block.TypeName ?? "Block";

        private static void WriteSummary(SourceWriter w, ModelGraph g)
        {
            string cls = g.Cls switch
            {
                ClsPlacement.Middle => "middle cls token",
                ClsPlacement.Head => "cls token at the head",
                ClsPlacement.Double => "head and tail cls tokens",
                _ => $"no cls token, {g.Pool.ToString().ToLowerInvariant()} pooling",
            };
            w.Line($"/// <summary>");
            w.Line($"/// <c>{XmlEscape(g.Name)}</c>: Vision Mamba, {g.ImgHeight}x{g.ImgWidth} input, patch {g.PatchSize} stride {g.Stride}, D {g.EmbedDim}, depth {g.Depth},");
            w.Line($"/// {ComponentEmitter.Describe(g.Block.Mixer)}, {cls}, {Grouped(g.ParameterCount)} parameters.");
            w.Line($"/// </summary>");
        }

        private static void WriteConstants(SourceWriter w, ModelGraph g)
        {
            w.Line($"private const int EmbedDim = {Int(g.EmbedDim)};");
            w.Line($"private const int Depth = {Int(g.Depth)};");
            w.Line($"private const int Channels = {Int(g.Channels)};");
            w.Line($"private const int PatchSize = {Int(g.PatchSize)};");
            w.Line($"private const int Stride = {Int(g.Stride)};");
            w.Line();
        }

        private static void WriteInfo(SourceWriter w, ModelGraph g) =>
            ModelInfoEmitter.Write(w, g.Name, g.Aliases, "vim", "Channels", g.ImgHeight, g.ImgWidth, g.NumClasses, g.ParameterCount,
                g.Mean, g.Std, g.CropPct, g.Type.GlobalName);

        private static void WriteSizes(SourceWriter w, ModelGraph g)
        {
            w.Line("/// <summary>Input height in pixels.</summary>");
            w.Line("public int ImgHeight { get; }");
            w.Line();
            w.Line("/// <summary>Input width in pixels.</summary>");
            w.Line("public int ImgWidth { get; }");
            w.Line();
            w.Line("/// <summary>Patch rows: (H − patch) / stride + 1.</summary>");
            w.Line("public int GridHeight { get; }");
            w.Line();
            w.Line("/// <summary>Patch columns: (W − patch) / stride + 1.</summary>");
            w.Line("public int GridWidth { get; }");
            w.Line();
            w.Line("/// <summary>Number of patch tokens M.</summary>");
            w.Line("public int NumPatches { get; }");
            w.Line();
            w.Line($"/// <summary>Sequence length L = M{(g.ClsCount > 0 ? " + " + g.ClsCount : "")}.</summary>");
            w.Line("public int SequenceLength { get; }");
            w.Line();
            if (g.Cls is ClsPlacement.Middle or ClsPlacement.Head)
            {
                w.Line($"/// <summary>Index of the cls token{(g.Cls == ClsPlacement.Middle ? " (M / 2)" : "")}.</summary>");
                w.Line("public int ClsPosition { get; }");
                w.Line();
            }
            w.Line("/// <summary>Number of classes of the head (0: no head).</summary>");
            w.Line("public int NumClasses { get; }");
            w.Line();
            w.Line("/// <summary>Official <c>drop_path_rate</c>: stochastic depth of training forwards in training mode.</summary>");
            w.Line("public double DropPathRate { get; }");
            w.Line();
            if (g.DropRate > 0)
            {
                w.Line("/// <summary>Official <c>drop_rate</c>: dropout after the position embedding in training mode.</summary>");
                w.Line("public double DropRate { get; }");
                w.Line();
            }
        }
    }
}
