using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Vim.Generators.Parsing;

namespace Vim.Generators.Emit
{
    /// <summary>Writes the file of a block or mixer declared with <c>[VimBlock]</c> / <c>[MambaMixer]</c>.</summary>
    internal static class ComponentFileEmitter
    {
        public static void Emit(SourceProductionContext context, ComponentDeclaration declaration)
        {
            context.AddSource(declaration.Type.MetadataName.Replace('+', '.') + ".g.cs", SourceText.From(Generate(declaration), System.Text.Encoding.UTF8));
        }

        public static string Generate(ComponentDeclaration declaration)
        {
            var w = Header.Open(declaration.Type);
            if (declaration.Block is not null)
            {
                ComponentEmitter.WriteBlock(w, declaration.Type.Name, declaration.Block, declaration.Block.Mixer.TypeName!);
            }
            else if (declaration.Mixer is not null)
            {
                ComponentEmitter.WriteMixer(w, declaration.Type.Name, declaration.Mixer);
            }
            return Header.Close(w, declaration.Type);
        }
    }
}
