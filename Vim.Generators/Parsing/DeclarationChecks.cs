using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using System.Collections.Generic;
using Vim.Generators.Diagnostics;
using Vim.Generators.Helpers;
using Vim.Generators.Specs;

namespace Vim.Generators.Parsing
{
    /// <summary>Reads the declared type's hierarchy and checks that it and its containers are partial.</summary>
    internal static class DeclarationChecks
    {
        public static HierarchyInfo Hierarchy(INamedTypeSymbol symbol)
        {
            var containing = new List<ContainingType>();
            for (var t = symbol.ContainingType; t is not null; t = t.ContainingType)
            {
                containing.Insert(0, new ContainingType(t.IsRecord ? "record" : t.TypeKind == TypeKind.Struct ? "struct" : "class", t.Name));
            }
            string ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : "";
            string metadata = ns.Length == 0 ? symbol.MetadataName : ns + "." + symbol.MetadataName;
            for (var t = symbol.ContainingType; t is not null; t = t.ContainingType)
            {
                metadata = metadata.Insert(ns.Length == 0 ? 0 : ns.Length + 1, t.MetadataName + "+");
            }
            return new HierarchyInfo(ns, symbol.Name, metadata, containing.ToEquatableArray());
        }

        /// <summary>
        /// Whether this declaration should be generated at all: not when C# already rejects it (no identifier, or the
        /// attribute applied twice across partial parts — CS0579), which would only add noise or duplicate files.
        /// </summary>
        public static bool ShouldGenerate(INamedTypeSymbol symbol, string attributeName)
        {
            if (symbol.Name.Length == 0) return false;
            int count = 0;
            foreach (var attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == attributeName) count++;
            }
            return count == 1;
        }

        /// <summary>VIM015 when the declaration is a record.</summary>
        public static DiagnosticInfo? RequireClass(SyntaxNode node) =>
            node is RecordDeclarationSyntax record
                ? DiagnosticInfo.Create(DiagnosticDescriptors.RecordDeclaration, LocationInfo.From(record.Identifier.GetLocation()), record.Identifier.ValueText)
                : null;

        /// <summary>VIM001 when the class or one of its containing types is not partial.</summary>
        public static DiagnosticInfo? RequirePartial(SyntaxNode node, string what)
        {
            for (var type = node as TypeDeclarationSyntax; type is not null; type = type.Parent as TypeDeclarationSyntax)
            {
                if (!type.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    return DiagnosticInfo.Create(DiagnosticDescriptors.NotPartial, LocationInfo.From(type.Identifier.GetLocation()), type.Identifier.ValueText, what);
                }
            }
            return null;
        }
    }
}
