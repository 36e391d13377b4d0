using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Vim.Generators.Specs
{
    /// <summary>Where a diagnostic points, kept as plain values so specs never hold a Roslyn object.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        /// <summary>A location in the compilation's own tree when it is there (so pragmas apply), else by path.</summary>
        public Location ToLocation(Compilation compilation)
        {
            foreach (var tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath) return Location.Create(tree, Span);
            }
            return Location.Create(FilePath, Span, LineSpan);
        }

        public static LocationInfo? From(SyntaxNode? node) => From(node?.GetLocation());

        public static LocationInfo? From(Location? location)
        {
            if (location is null || location.SourceTree is null) return null;
            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
        }
    }
}
