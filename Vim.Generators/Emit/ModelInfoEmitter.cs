using System.Linq;
using Vim.Generators.Helpers;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>Writes a model's static <c>ModelInfo</c> (registry name, aliases, default configuration) and its <c>Info</c> override; shared by both families.</summary>
    internal static class ModelInfoEmitter
    {
        /// <param name="channels">The C# expression of the input channels (a constant of the generated class).</param>
        public static void Write(SourceWriter w, string name, EquatableArray<string> aliases, string family, string channels, int imgHeight, int imgWidth,
            int numClasses, long parameterCount, EquatableArray<double> mean, EquatableArray<double> std, double cropPct, string globalTypeName)
        {
            string aliasList = aliases.Length == 0 ? "[]" : "[" + string.Join(", ", aliases.Select(Literal)) + "]";
            w.Line("/// <summary>The registry entry: name, aliases and default configuration.</summary>");
            w.Line(GeneratedCode);
            w.Line($"public static {TypeRefs.ModelInfo} ModelInfo {{ get; }} = new(");
            w.Line($"    name: {Literal(name)},");
            w.Line($"    aliases: {aliasList},");
            w.Line($"    family: {Literal(family)},");
            w.Line($"    channels: {channels},");
            w.Line($"    imgHeight: {Int(imgHeight)},");
            w.Line($"    imgWidth: {Int(imgWidth)},");
            w.Line($"    numClasses: {Int(numClasses)},");
            w.Line($"    parameterCount: {Int(parameterCount)},");
            w.Line($"    mean: [{string.Join(", ", mean.Select(Double))}],");
            w.Line($"    std: [{string.Join(", ", std.Select(Double))}],");
            w.Line($"    cropPct: {Double(cropPct)},");
            w.Line($"    create: static (overrides, device) => new {globalTypeName}(overrides, device));");
            w.Line();
            w.Line("/// <inheritdoc/>");
            w.Line($"public override {TypeRefs.ModelInfo} Info => ModelInfo;");
            w.Line();
        }
    }
}
