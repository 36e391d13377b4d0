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
                containing.Insert(0, new ContainingType(t.IsRecord ? "record" : t.TypeKind == TypeKind.Struct ? "struct" : "class", Identifier(t.Name)));
            }
            string ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? Namespace(n) : "";
            // The metadata name (for file names, which cannot hold '@') keeps the names as they are.
            string rawNs = symbol.ContainingNamespace is { IsGlobalNamespace: false } m ? Namespace(m, escape: false) : "";
            string metadata = rawNs.Length == 0 ? symbol.MetadataName : rawNs + "." + symbol.MetadataName;
            for (var t = symbol.ContainingType; t is not null; t = t.ContainingType)
            {
                metadata = metadata.Insert(rawNs.Length == 0 ? 0 : rawNs.Length + 1, t.MetadataName + "+");
            }
            return new HierarchyInfo(ns, Identifier(symbol.Name), metadata, containing.ToEquatableArray());
        }

        // A type or namespace called 'event' is declared as @event: the generated code must write it that way too.
        private static string Identifier(string name) => SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

        private static string Namespace(INamespaceSymbol ns, bool escape = true)
        {
            string name = escape ? Identifier(ns.Name) : ns.Name;
            return ns.ContainingNamespace is { IsGlobalNamespace: false } parent ? Namespace(parent, escape) + "." + name : name;
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

        /// <summary>VIM015 when the declaration is a record; VIM019 when it (or a type it is nested in) is generic, or it is static or abstract.</summary>
        public static DiagnosticInfo? RequireClass(SyntaxNode node, INamedTypeSymbol symbol)
        {
            if (node is RecordDeclarationSyntax record)
            {
                return DiagnosticInfo.Create(DiagnosticDescriptors.RecordDeclaration, LocationInfo.From(record.Identifier.GetLocation()), record.Identifier.ValueText);
            }
            string? kind = symbol.IsStatic ? "static" : symbol.IsAbstract ? "abstract" : null;
            for (var t = symbol; kind is null && t is not null; t = t.ContainingType)
            {
                if (t.TypeParameters.Length > 0) kind = ReferenceEquals(t, symbol) ? "generic" : $"nested in the generic type '{t.Name}'";
            }
            if (kind is null) return null;
            var location = node is TypeDeclarationSyntax type ? LocationInfo.From(type.Identifier.GetLocation()) : LocationInfo.From(node);
            return DiagnosticInfo.Create(DiagnosticDescriptors.UnsupportedTypeKind, location, symbol.Name, kind);
        }

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
